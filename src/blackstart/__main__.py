"""``python -m blackstart`` runs the command-line interface."""

from blackstart.cli import main

main()
