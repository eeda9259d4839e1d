"""People: faces found in photos (dlib), grouped into people as they come, named by the user.

The face pass is a generator of progress records like indexing; the grouping is plain numpy;
the People service answers the library's questions (who is there, photos of whom) and applies
the user's corrections. May import core.media and core.storage.
"""
