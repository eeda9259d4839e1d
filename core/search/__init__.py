"""Queries: query parsing, text search (word model + class evidence), look-alikes, tags,
score calibration, the per-space indexes queries read, and what queries return.

May import core.browse, core.models and the rooms below them.
"""
