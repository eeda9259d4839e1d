"""Indexing: the mark-and-sweep scan of the library folders (decode, embed, store) and the
capture dates older catalogs lack. Yields progress records; knows nothing of who listens.

May import core.models and the rooms below it.
"""
