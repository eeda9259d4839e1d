"""Photo files to pixels and facts: decoding (upright, draft-mode, never fatal on bad input),
capture dates from EXIF, and the thumbnail cache.

May import core.storage.
"""
