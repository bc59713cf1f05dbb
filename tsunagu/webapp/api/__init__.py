"""Developer APIs: JSON blueprints over plain functions that know nothing of Flask.

Every error answers with the one JSON shape of :mod:`tsunagu.webapp.errors` (paths under
``/api/`` are always JSON). ``features`` serves map features by bbox, zoom and filter.
"""
