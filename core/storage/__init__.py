"""What lives on disk: the profile folders, settings, atomic writes, the indexing lock, and the
SQLite catalog with its schema ladder and repair. The truth about photos and their vectors.

Imports nothing from core but core.errors.
"""
