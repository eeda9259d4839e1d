"""What lives on disk: the profile folders, settings, atomic writes, the indexing lock, and the
SQLite catalog with its schema ladder and repair (plus media_files.py: video durations and
RAW+JPEG companions). The truth about photos and their vectors.

Imports nothing from core but core.errors.
"""
