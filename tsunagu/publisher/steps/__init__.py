"""publisher/steps."""
