"""Reports: self-contained HTML documents rendered from result payloads (no computation,
no external resource)."""

from blackstart.report.sweep_html import sweep_html

__all__ = ["sweep_html"]
