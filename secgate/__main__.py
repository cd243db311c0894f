"""``python -m secgate`` runs the CLI."""

from secgate.cli.main import main

main()
