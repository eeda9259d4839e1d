"""Browsing the library: photos by date and folder, the folder tree with counts, and
near-duplicate groups.

May import core.models and the rooms below it.
"""
