"""A safe, generic, exact JSON form of the validated model, for the compiled-model cache.

Owns :func:`encode` / :func:`decode` and the lazily decoded form of a dataclass
(:func:`dump_dataclass` / :func:`load_dataclass`). They walk objects *generically*: a
pydantic model is the fields that were set (``model_fields_set``; the others take their
defaults again), a dataclass is its ``init`` fields, and tuples, sets, dates and
enumerations are tagged. So a field added to :class:`~blackstart.model.model.Model`, to
a schema class or to a requirement needs no change here. Decoding never validates again
(``model_construct``): the data was validated when it was first read, and a validator is
not always an identity on its own output (``3h`` is read as ``10800.0``, and a bare
number is refused).

A dataclass's mapping fields (the model's entities by id) are stored one JSON text per
entry and decoded when an entry is first read (:class:`LazyMapping`): a command that
reads a few hundred of 10^5 components decodes only those.

No pickle: a decoded object can only be an instance of a pydantic model, a dataclass or
an enumeration *defined in the blackstart package*, built from its fields; any other tag
is refused (``ValueError``); a NumPy array nested in a field is its dtype, shape and
numbers (booleans, integers and floats only). Does not read or write files:
:mod:`blackstart.model.cache` does.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from enum import Enum
from functools import cache
from typing import Any

import numpy as np
from pydantic import BaseModel

_TAG = "!"
_PRIVATE = _TAG + "private"
"""Key of a pydantic model's private attributes (set, not validated, by the model)."""
"""Key of a tagged object; no model key starts with '!' (ids and keys are checked)."""
_PACKAGE = "blackstart."
_ATOMS = (type(None), bool, int, float, str)


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _enc(obj: Any) -> Any:
    t = type(obj)
    if t in _ATOMS:
        return obj
    if isinstance(obj, BaseModel):
        d: dict[str, Any] = {_TAG: _name(t)}
        values = obj.__dict__
        for k in obj.model_fields_set:
            d[k] = _enc(values[k])
        private = obj.__pydantic_private__
        if private:  # e.g. a function's names per language
            d[_PRIVATE] = {k: _enc(v) for k, v in private.items()}
        return d
    if t is tuple:
        return {_TAG: "tuple", "v": [_enc(x) for x in obj]}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        d = {_TAG: _name(t)}
        for f in dataclasses.fields(obj):
            if f.init:
                d[f.name] = _enc(getattr(obj, f.name))
        return d
    if isinstance(obj, Enum):
        return {_TAG: _name(t), "v": obj.value}
    if isinstance(obj, _ATOMS):
        return obj
    if isinstance(obj, Mapping):
        if all(type(k) is str and not k.startswith(_TAG) for k in obj):
            return {k: _enc(v) for k, v in obj.items()}
        return {_TAG: "map", "v": [[_enc(k), _enc(v)] for k, v in obj.items()]}
    if isinstance(obj, tuple | list):
        out = [_enc(x) for x in obj]
        return out if isinstance(obj, list) else {_TAG: "tuple", "v": out}
    if isinstance(obj, frozenset | set):
        kind = "frozenset" if isinstance(obj, frozenset) else "set"
        return {_TAG: kind, "v": [_enc(x) for x in obj]}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"cannot cache an array of {obj.dtype}")
        return {_TAG: "ndarray", "dtype": obj.dtype.str, "shape": list(obj.shape),
                "v": obj.ravel().tolist()}  # fmt: skip
    if isinstance(obj, np.generic):
        return obj.item()
    for kind, cls in (("datetime", datetime), ("date", date), ("time", time)):
        if isinstance(obj, cls):
            return {_TAG: kind, "v": obj.isoformat()}
    if isinstance(obj, timedelta):
        return {_TAG: "timedelta", "v": obj.total_seconds()}
    raise TypeError(f"cannot cache a {t.__name__}")


def _dumps(plain: Any) -> str:
    return json.dumps(plain, ensure_ascii=False, separators=(",", ":"))


def encode(obj: Any) -> bytes:
    """The exact JSON form of ``obj`` (UTF-8)."""
    return _dumps(_enc(obj)).encode()


@cache
def _class(name: str) -> type:
    """The class a tag names, if it is a model, dataclass or enum of blackstart."""
    module, _, qualname = name.partition(":")
    if not module.startswith(_PACKAGE) or not qualname:
        raise ValueError(f"refusing to decode {name!r}: not a blackstart type")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type) or not (
        issubclass(obj, BaseModel | Enum) or dataclasses.is_dataclass(obj)
    ):
        raise ValueError(f"refusing to decode {name!r}: not a model, dataclass or enum")
    return obj


def _takes_data(factory: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in params)  # fmt: skip


@cache
def _defaults(cls: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Callable[[], Any]]] | None:
    """Default values and no-argument default factories of ``cls``'s fields; ``None``
    when :meth:`~pydantic.BaseModel.model_construct` must do it (private attributes,
    a factory taking the data)."""
    if cls.__private_attributes__:
        return None
    values: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    for name, f in cls.model_fields.items():
        if f.default_factory is not None:
            if _takes_data(f.default_factory):
                return None
            factories[name] = f.default_factory  # type: ignore[assignment]
        elif not f.is_required():
            values[name] = f.default
    return values, factories


def _construct(cls: type[BaseModel], d: dict[str, Any]) -> BaseModel:
    """``cls.model_construct(**d)`` with the fields of ``d`` as the fields set, without
    inspecting each default factory again for every instance."""
    plan = _defaults(cls)
    if plan is None:
        return cls.model_construct(_fields_set=set(d), **d)
    defaults, factories = plan
    values = {k: copy.copy(v) for k, v in defaults.items() if k not in d}
    for k, factory in factories.items():
        if k not in d:
            values[k] = factory()
    values.update(d)
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(d))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "tuple": tuple,
    "map": lambda v: {k: x for k, x in v},
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "set": set,
    "frozenset": frozenset,
    "timedelta": lambda v: timedelta(seconds=v),
}


def _hook(d: dict[str, Any]) -> Any:
    tag = d.pop(_TAG, None)
    if tag is None:
        return d
    simple = _SIMPLE.get(tag)
    if simple is not None:
        return simple(d["v"])
    if tag == "ndarray":
        dtype = np.dtype(d["dtype"])
        if dtype.kind not in "biuf":
            raise ValueError(f"refusing to decode an array of {dtype}")
        return np.array(d["v"], dtype=dtype).reshape(d["shape"])
    cls = _class(tag)
    if issubclass(cls, BaseModel):
        private = d.pop(_PRIVATE, None)
        obj = _construct(cls, d)
        if private:
            object.__setattr__(
                obj, "__pydantic_private__", {**(obj.__pydantic_private__ or {}), **private}
            )
        return obj
    if issubclass(cls, Enum):
        return cls(d["v"])
    return cls(**d)


def decode(data: bytes | str) -> Any:
    """The object :func:`encode` wrote; ``ValueError`` on a type it may not build."""
    try:
        return _DECODER.decode(data if isinstance(data, str) else data.decode())
    except (TypeError, AttributeError, ImportError, KeyError) as exc:
        raise ValueError(f"cannot decode: {exc}") from exc


_DECODER = json.JSONDecoder(object_hook=_hook)


class LazyMapping(Mapping[str, Any]):
    """A read-only mapping whose values are decoded from JSON when first read: value
    ``i`` is ``blob[offsets[i]:offsets[i + 1]]``."""

    __slots__ = ("_blob", "_done", "_index", "_offsets")

    def __init__(self, keys: list[str], blob: bytes, offsets: list[int]) -> None:
        if len(offsets) != len(keys) + 1 or (offsets and offsets[-1] != len(blob)):
            raise ValueError("cannot decode: offsets do not match the entries")
        self._index = {k: i for i, k in enumerate(keys)}
        self._blob = blob
        self._offsets = offsets
        self._done: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._done[key]
        except KeyError:
            i = self._index[key]
            value = self._done[key] = decode(self._blob[self._offsets[i] : self._offsets[i + 1]])
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __repr__(self) -> str:
        return f"LazyMapping({len(self._index)} entries)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyMapping, (list(self._index), self._blob, self._offsets))


Parts = dict[str, bytes]
"""Named byte strings (stored as arrays of one ``.npz`` file by the cache)."""


def dump_dataclass(obj: Any) -> Parts:
    """``obj`` (a dataclass) in parts: ``meta`` (its type and plain fields, JSON) and,
    per mapping field, its keys (JSON) and its values (one JSON text after another)."""
    plain: dict[str, Any] = {}
    lazy: list[str] = []
    parts: Parts = {}
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        if isinstance(value, Mapping) and all(type(k) is str for k in value):
            texts = [_dumps(_enc(v)).encode() for v in value.values()]
            offsets = [0]
            for t in texts:
                offsets.append(offsets[-1] + len(t))
            parts[f"{f.name}.keys"] = _dumps([list(value), offsets]).encode()
            parts[f"{f.name}.values"] = b"".join(texts)
            lazy.append(f.name)
        else:
            plain[f.name] = _enc(value)
    parts["meta"] = _dumps({"type": _name(type(obj)), "plain": plain, "lazy": lazy}).encode()
    return parts


def load_dataclass(parts: Mapping[str, bytes], expected: type) -> Any:
    """The dataclass :func:`dump_dataclass` wrote, with lazily decoded mappings;
    ``ValueError`` if it is not an ``expected`` or cannot be decoded."""
    try:
        meta = json.loads(parts["meta"])
        if meta["type"] != _name(expected):
            raise ValueError(f"expected a {expected.__name__}, found {meta['type']}")
        kwargs: dict[str, Any] = {k: decode(_dumps(v)) for k, v in meta["plain"].items()}
        for name in meta["lazy"]:
            keys, offsets = json.loads(parts[f"{name}.keys"])
            kwargs[name] = LazyMapping(keys, parts[f"{name}.values"], offsets)
        return expected(**kwargs)
    except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot decode: {exc}") from exc
