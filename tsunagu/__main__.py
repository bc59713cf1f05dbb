"""``python -m tsunagu`` runs the CLI."""

from tsunagu.cli import main

main()
