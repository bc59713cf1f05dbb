"""Tsunagu (つなぐ): open-data publishing for Japanese municipalities.

Importing the package does no work and pulls in no heavy library (house style §3): the CLI,
the pipeline and the web app import what they need when they run.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
