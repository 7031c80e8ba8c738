"""Read iTop's ``core/get`` answers (saved files or live) into records, by class.

Owns the answer format of iTop's REST/JSON API: ``{"objects": {"Class::id": {"code",
"message", "class", "key", "fields"}}, "code": 0, "message": "Found: n"}`` (``objects``
is ``null`` when nothing matches; a non-zero ``code`` is an error), or a plain list of
``fields``. Each object becomes a :class:`~blackstart.io.importing.Record` of its own
class (``core/get`` on a parent class returns subclasses), located at
``objects.<key>.fields`` for messages. The meaning is :mod:`blackstart.io.itop`'s.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from blackstart.io.importing import Importer, Record, json_files, not_found, read_json_sources
from blackstart.io.source import SourceFile


def read_answers(path: Path, classes: tuple[str, ...], imp: Importer) -> dict[str, list[Record]]:
    """Objects of the saved answers in ``path``, by class (a subclass's objects under
    their own class, as ``core/get`` names it)."""
    if not path.exists():
        raise not_found(path, "a directory of <Class>.json core/get answers")
    base = path if path.is_dir() else path.parent
    files = json_files(path)
    out: dict[str, list[Record]] = defaultdict(list)
    aliases = {c.lower(): c for c in classes}
    for src in read_json_sources(files, base):
        stem = Path(src.label).stem
        cls = aliases.get(stem.lower())
        if cls is None:
            imp.notes.append(f"{src.label}: class '{stem}' not read")
            continue
        take(src, cls, imp, out)
    return out


def take(src: SourceFile, cls: str, imp: Importer, out: dict[str, list[Record]]) -> None:
    data = src.data
    if isinstance(data, dict) and "objects" in data:
        if data.get("code") not in (0, None):
            imp.problems.append(
                src.problem(
                    "itop-error",
                    f"iTop answered code {data.get('code')}: {data.get('message')}",
                    ("code",),
                )
            )
            return
        for key, obj in (data.get("objects") or {}).items():
            if not isinstance(obj, dict) or not isinstance(obj.get("fields"), dict):
                imp.problems.append(
                    src.problem("bad-export", f"object '{key}' has no fields", ("objects", key))
                )
                continue
            fields = dict(obj["fields"])
            fields.setdefault("id", obj.get("key") or key.partition("::")[2])
            kind = str(obj.get("class") or cls)
            out[kind].append(Record(kind, fields, src, ("objects", key, "fields")))
    elif isinstance(data, list):
        for i, fields in enumerate(data):
            if not isinstance(fields, dict):
                imp.problems.append(src.problem("bad-export", f"item {i} is not an object", (i,)))
                continue
            out[cls].append(Record(cls, fields, src, (i,)))
    else:
        imp.problems.append(
            src.problem(
                "bad-export",
                'a core/get answer ({"objects": …}) or a list of objects is expected',
                (),
                suggestion="save iTop's answer as it is",
            )
        )
