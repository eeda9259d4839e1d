"""Derived, rebuildable vector caches: one space's vectors on disk with exact top-k, the rotated
bound for large libraries, Annoy indexes, and the compact raw-feature cache.

May import core.storage. An index is a cache: the catalog can always rebuild it.
"""
