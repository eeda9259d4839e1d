"""Photo files to pixels and facts: decoding (upright, draft-mode, never fatal on bad input),
camera RAW files (raw.py: embedded preview, else a half-size demosaic), videos (video.py: a
poster frame, duration, creation time), capture dates from EXIF, and the thumbnail cache.

May import core.storage.
"""
