"""The ``blackstart`` command line (Typer + Rich). Translates only: no computation."""

from blackstart.cli.app import app, main

__all__ = ["app", "main"]
