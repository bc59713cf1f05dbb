"""HTML pages, one blueprint per area (catalogue, maps, uploads)."""
