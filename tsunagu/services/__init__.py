"""Work the CLI and the web app share, with no Flask or click in it."""
