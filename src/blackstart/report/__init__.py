"""Reports and exports: self-contained HTML documents rendered from result payloads (no
computation, no external resource), graphs for other tools (GraphML, DOT), the model as one
JSON document, and the business impact analysis workbook."""

from blackstart.report.sweep_html import sweep_html

__all__ = ["sweep_html"]
