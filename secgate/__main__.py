"""``python -m secgate`` runs the CLI."""

from secgate.cli import main

main()
