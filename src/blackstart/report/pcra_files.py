"""Write a continuity plan's blocks as a printable .html page or a .docx document.

Owns the two file formats of :func:`blackstart.report.pcra_render.blocks`: one HTML file
with inline CSS, no script and no external request (it opens offline and prints), and a
Word document through python-docx (headings, paragraphs, tables), meant to be edited and
signed. Both hold the same blocks, so the same sections and figures.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from blackstart.report.pcra_render import Block, blocks

_CSS = """
body{font:11pt/1.45 system-ui,'Segoe UI',Arial,sans-serif;margin:2em auto;max-width:60em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;
border-bottom:2px solid #333}h3{font-size:1.05em;margin-top:1em}
table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}td:empty::after{content:"\\00a0"}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def to_html(bl: list[Block], lang: str = "fr") -> str:
    """One self-contained, printable HTML page."""
    title = next((v for k, v in bl if k == "h1"), "")
    parts = [
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{escape(str(title))}</title><style>{_CSS}</style></head><body>",
    ]
    for kind, value in bl:
        if kind == "table":
            head, rows = value
            parts.append(
                "<table><thead><tr>"
                + "".join(f"<th>{escape(h)}</th>" for h in head)
                + "</tr></thead><tbody>"
            )
            for row in rows:
                parts.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
            parts.append("</tbody></table>")
        else:
            parts.append(f"<{kind}>{escape(str(value))}</{kind}>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def to_docx(bl: list[Block], path: Path) -> None:
    """The same blocks as a Word document (headings, paragraphs, tables)."""
    from docx import Document

    doc = Document()
    level = {"h1": 0, "h2": 1, "h3": 2}
    for kind, value in bl:
        if kind in level:
            doc.add_heading(str(value), level=level[kind])
        elif kind == "p":
            doc.add_paragraph(str(value))
        else:
            head, rows = value
            table = doc.add_table(rows=1, cols=len(head))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, head, strict=True):
                cell.text = str(text)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = str(text)
    doc.save(str(path))


def write(data: dict[str, Any], path: Path, lang: str = "fr") -> Path:
    """Write the plan to ``path`` (.docx or .html, from the suffix)."""
    bl = blocks(data, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".docx":
        to_docx(bl, path)
    else:
        path.write_text(to_html(bl, lang), "utf-8")
    return path
