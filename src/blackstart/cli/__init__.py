"""The ``blackstart`` command line (Typer + Rich). Translates only: no computation.

``app`` (the Typer application) is imported on first use, so that the console entry
point (:func:`blackstart.cli.fast.main`) can answer the fault-tree commands without
loading Typer. The package's ``app`` attribute stays the Typer application even after
the submodule :mod:`blackstart.cli.app` is imported (Python's import system would
otherwise set the attribute to the submodule).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from blackstart.cli.fast import main

__all__ = ["app", "main"]


class _Package(types.ModuleType):
    @property
    def app(self) -> Any:
        from blackstart.cli.app import app

        return app

    @app.setter
    def app(self, value: Any) -> None:
        """Ignored: the import system assigns the submodule here."""


sys.modules[__name__].__class__ = _Package
