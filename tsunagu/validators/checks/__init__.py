"""validators/checks."""
