"""The web dashboard: a FastAPI app over :mod:`blackstart.api`, server-rendered pages
(Jinja2) and their JSON twins under ``/api/``.

Owns HTTP: routing, request validation, error bodies and HTML rendering. Does not compute
anything itself: every payload comes from :mod:`blackstart.api`, :mod:`blackstart.planning`
or :mod:`blackstart.resilience`, and persistence from :mod:`blackstart.store`.
"""

from blackstart.web.app import create_app
from blackstart.web.dashboard import Dashboard

__all__ = ["Dashboard", "create_app"]
