"""Message catalogues, one YAML file per room (see :mod:`tsunagu.messages`)."""
