"""Read Open-PSA Model Exchange Format (MEF 2.0d) fault trees into a :class:`FaultTree`.

Owns the XML side of the MEF: safe parsing with positions, the scoping of names
(fault trees, public and private components, ``model-data``), reference resolution,
formula checks and the assembly of the gates in topological order. Loading runs in
stages — parse → register → resolve → validate → build — and reports *every* problem
found as one :class:`~blackstart.errors.ModelError`. Expressions are evaluated by
``io/mef_expr.py`` (random deviates stand for their mean) and common-cause groups are
expanded by ``io/mef_ccf.py``.

Several files form one model (e.g. a tree and its ``model-data`` file); ``xi:include``
of a local file is followed. The targets (``FaultTree.tops``) are the gates defined with
``define-gate`` that no other gate refers to, in the order they are defined. Nested
formulas become anonymous gates named after their gate and position (``G1.1``,
``G1.2``…); house events become ``true``/``false`` gates named after the event; a private
element of a component is named by its path (``Tree.component.G``).

XML is parsed by ``io/mef_xml.py`` with :mod:`defusedxml`: entity declarations (the
"billion laughs") and external entities are refused with a located ``xml-forbidden``
problem.

Not supported yet (reported as ``unsupported``): event trees, initiating events,
sequences, rules, substitutions, alignments and phases, SCRAM project files.

>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     f = pathlib.Path(d, "t.xml")
...     _ = f.write_text('<opsa-mef><define-fault-tree name="T"><define-gate name="G">'
...         '<or><basic-event name="A"/><basic-event name="B"/></or></define-gate>'
...         '<define-basic-event name="A"><float value="0.1"/></define-basic-event>'
...         '<define-basic-event name="B"><float value="0.2"/></define-basic-event>'
...         '</define-fault-tree></opsa-mef>')
...     tree = read_mef([f])
>>> tree.events, tree.gates[tree.tops[0]].op
(('A', 'B'), 'or')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from blackstart.engine.faulttree import FaultTree, Gate, gate_ref
from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.mef_ccf import CCF_MODELS, expand, first_level, level_probabilities
from blackstart.io.mef_expr import EXPRESSION_TAGS, Evaluator, ExprError, Node, number
from blackstart.io.mef_xml import load_xml

DEFAULT_MISSION_TIME = 8760.0
"""Hours: one year, SCRAM's default."""

_UNSUPPORTED = frozenset(
    {
        "define-event-tree",
        "define-initiating-event",
        "define-sequence",
        "define-rule",
        "define-functional-event",
        "define-consequence",
        "define-consequence-group",
        "define-substitution",
        "define-alignment",
        "define-phase",
        "define-extern-function",
        "define-extern-library",
    }
)
_NARY = {"and": 1, "or": 1, "nand": 1, "nor": 1}
_BINARY = {"xor", "iff", "imply"}
_FORMULAS = frozenset({*_NARY, *_BINARY, "not", "atleast", "cardinality"})
_REFERENCES = {"gate": "gate", "basic-event": "basic event", "house-event": "house event"}


# ---------------------------------------------------------------- register


@dataclass
class _Def:
    kind: str
    """``gate``, ``basic-event``, ``house-event``, ``parameter`` or ``ccf-member``."""
    name: str
    display: str
    base: str
    """The path of the container whose names its references see first."""
    node: Node
    group: _Group | None = None


@dataclass
class _Group:
    name: str
    node: Node
    base: str
    members: list[_Def] = field(default_factory=list)


@dataclass
class _Scope:
    """Definitions by full path (``Tree.component.name``) and public ones by name."""

    by_path: dict[str, _Def] = field(default_factory=dict)
    public: dict[str, _Def] = field(default_factory=dict)

    def find(self, name: str, base: str) -> _Def | None:
        if base and (found := self.by_path.get(f"{base}.{name}")):
            return found
        return self.public.get(name) if "." not in name else self.by_path.get(name)


class _Model:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.events = _Scope()
        self.params = _Scope()
        self.defs: list[_Def] = []
        self.groups: list[_Group] = []
        self.name = ""

    def name_of(self, node: Node, what: str) -> str | None:
        name = node.attrib.get("name")
        if not name:
            self.problems.append(
                node.problem(
                    "missing-attribute", f"<{node.tag}> needs the attribute 'name'", element=what
                )
            )
        return name

    def register(self, kind: str, node: Node, path: str, public: bool) -> _Def | None:
        name = self.name_of(node, kind)
        if name is None:
            return None
        public = node.attrib.get("role", "public" if public else "private") == "public"
        key = f"{path}.{name}" if path else name
        d = _Def(kind, name, name if public else key, path, node)
        scope = self.params if kind == "parameter" else self.events
        first = scope.by_path.get(key) or (scope.public.get(name) if public else None)
        if first is not None:
            noun = "parameter" if kind == "parameter" else "event"
            self.problems.append(
                node.problem(
                    "duplicate-id",
                    f"{noun} '{name}' is defined twice (first as a {first.kind} at "
                    f"{first.node.file}:{first.node.line})",
                    element=f"{kind}:{name}",
                )
            )
            return None
        scope.by_path[key] = d
        if public:
            scope.public[name] = d
        self.defs.append(d)
        return d

    def walk(self, node: Node, path: str, public: bool) -> None:
        """Register the definitions in a container (root, fault tree, component, data)."""
        for child in node.elements():
            tag = child.tag
            if tag in (
                "define-gate",
                "define-basic-event",
                "define-house-event",
                "define-parameter",
            ):
                self.register(tag.removeprefix("define-"), child, path, public)
            elif tag in ("define-fault-tree", "define-component") and node.tag != "model-data":
                name = self.name_of(child, tag.removeprefix("define-"))
                if name is not None:
                    self.name = self.name or name
                    sub_public = child.attrib.get("role", "public" if public else "private")
                    sub = name if tag == "define-fault-tree" else f"{path}.{name}"
                    self.walk(child, sub, public and sub_public == "public")
            elif tag == "model-data" and node.tag == "opsa-mef":
                self.walk(child, "", True)
            elif tag == "define-CCF-group" and node.tag != "model-data":
                self.ccf_group(child, path, public)
            elif tag in _UNSUPPORTED:
                what = child.attrib.get("name", "")
                self.problems.append(
                    child.problem(
                        "unsupported",
                        f"<{tag}> {what!r} is not supported yet (blackstart reads fault trees)",
                        suggestion="pass only the fault-tree files",
                    )
                )
            else:
                known = [
                    "define-gate",
                    "define-basic-event",
                    "define-house-event",
                    "define-parameter",
                    "define-fault-tree",
                    "define-component",
                    "model-data",
                    "define-CCF-group",
                ]
                self.problems.append(
                    child.problem(
                        "unknown-element",
                        f"unexpected <{tag}> in <{node.tag}>",
                        suggestion=did_you_mean(tag, known),
                    )
                )

    def ccf_group(self, node: Node, path: str, public: bool) -> None:
        name = self.name_of(node, "ccf-group")
        if name is None:
            return
        model = node.attrib.get("model")
        if model not in CCF_MODELS:
            self.problems.append(
                node.problem(
                    "bad-value" if model else "missing-attribute",
                    f"CCF group '{name}' needs model= one of {', '.join(CCF_MODELS)}"
                    + (f", not '{model}'" if model else ""),
                    element=f"ccf-group:{name}",
                    suggestion=did_you_mean(model, CCF_MODELS) if model else None,
                )
            )
            return
        group = _Group(name, node, path)
        members = [c for c in node.elements() if c.tag == "members"]
        for member in members[0].elements() if members else []:
            if member.tag != "basic-event":
                self.problems.append(
                    member.problem(
                        "unknown-element",
                        f"<{member.tag}> in <members>: expected <basic-event name>",
                    )
                )
            elif (d := self.register("ccf-member", member, path, public)) is not None:
                d.group = group
                group.members.append(d)
        if len(group.members) < 2:
            self.problems.append(
                node.problem(
                    "bad-formula",
                    f"CCF group '{name}' needs at least 2 members",
                    element=f"ccf-group:{name}",
                )
            )
            return
        self.groups.append(group)


# ---------------------------------------------------------------- resolve and build


@dataclass
class _Spec:
    """A gate being built: ``args`` are ``("e", event index)`` or ``("g", spec index)``."""

    name: str
    op: str
    node: Node
    args: list[tuple[str, int]] = field(default_factory=list)
    k: int = 0
    k_max: int = 0
    defined: bool = False


class _Assembler:
    def __init__(self, model: _Model, mission_time: float) -> None:
        self.model = model
        self.problems = model.problems
        self.evaluator = Evaluator(mission_time, self._parameter)
        self.events: list[str] = []
        self.probabilities: list[float] = []
        self.specs: list[_Spec] = []
        self.spec_of: dict[int, int] = {}  # id(_Def) -> spec index
        self.event_of: dict[int, int] = {}  # id(_Def) -> event index
        self.seen: set[Problem] = set()

    def _parameter(self, node: Node) -> tuple[str, Node]:
        name = node.attrib.get("name", "")
        base = node.base
        found = self.model.params.find(name, base)
        if found is None:
            raise ExprError(
                node.problem(
                    "unknown-reference",
                    f"unknown parameter '{name}'",
                    element=f"parameter:{name}",
                    suggestion=did_you_mean(name, self.model.params.public),
                )
            )
        return found.display, found.node

    def value(self, node: Node, base: str, what: str, element: str | None = None) -> float | None:
        _set_base(node, base)
        try:
            return self.evaluator.value(node)
        except ExprError as exc:
            p = exc.problem
            if p in self.seen:
                return None
            self.seen.add(p)
            self.problems.append(
                Problem(
                    p.code,
                    f"{what}: {p.message}",
                    file=p.file,
                    line=p.line,
                    column=p.column,
                    element=p.element or element,
                    suggestion=p.suggestion,
                )
            )
            return None

    def probability(self, node: Node, base: str, what: str, element: str | None = None) -> float:
        p = self.value(node, base, what, element)
        if p is not None and not 0.0 <= p <= 1.0:
            self.problems.append(
                node.problem("bad-probability", f"{what}: probability {p:g} is not in [0, 1]")
            )
        return 0.0 if p is None else min(max(p, 0.0), 1.0)

    def basic_event(self, d: _Def) -> None:
        body = [c for c in d.node.elements() if c.tag in EXPRESSION_TAGS]
        others = [c for c in d.node.elements() if c.tag not in EXPRESSION_TAGS]
        for c in others:
            self.problems.append(
                c.problem(
                    "unknown-element",
                    f"basic event '{d.name}': <{c.tag}> is no expression",
                    suggestion=did_you_mean(c.tag, EXPRESSION_TAGS),
                )
            )
        if not body:
            p = math.nan  # a structure-only model: cut sets work, probabilities are NaN
        elif len(body) > 1:
            self.problems.append(
                d.node.problem(
                    "bad-formula",
                    f"basic event '{d.name}' needs one probability expression, found {len(body)}",
                    element=f"basic-event:{d.name}",
                )
            )
            p = 0.0
        else:
            p = self.probability(
                body[0], d.base, f"basic event '{d.name}'", f"basic-event:{d.name}"
            )
        self.event_of[id(d)] = len(self.events)
        self.events.append(d.display)
        self.probabilities.append(p)

    def ccf_group(self, group: _Group) -> None:
        parts = {c.tag: c for c in group.node.elements()}
        what = f"CCF group '{group.name}'"
        dist = parts.get("distribution")
        q_nodes = dist.elements() if dist is not None else []
        if len(q_nodes) != 1:
            self.problems.append(
                group.node.problem("bad-formula", f"{what} needs one <distribution> expression")
            )
            return
        q = self.probability(q_nodes[0], group.base, what)
        if "factors" in parts:
            factor_nodes = parts["factors"].elements()
        else:
            factor_nodes = [c for c in group.node.elements() if c.tag == "factor"]
        model = group.node.attrib["model"]
        n = len(group.members)
        start = n if model == "beta-factor" else first_level(model)
        by_level: dict[int, float] = {}
        level = start - 1
        for f in factor_nodes:
            try:
                level = int(number(f, "level")) if "level" in f.attrib else level + 1
            except ExprError as exc:
                self.problems.append(exc.problem)
                return
            body = f.elements()
            if len(body) != 1:
                self.problems.append(
                    f.problem("bad-formula", f"{what}: <factor> needs one expression")
                )
                return
            value = self.probability(body[0], group.base, what)
            if level in by_level:
                self.problems.append(
                    f.problem("duplicate-id", f"{what}: two factors of level {level}")
                )
                return
            by_level[level] = value
        levels = sorted(by_level)
        expected = list(range(start, start + len(levels)))
        if (
            not levels
            or levels != expected
            or levels[-1] > n
            or (model == "beta-factor" and len(levels) != 1)
        ):
            self.problems.append(
                group.node.problem(
                    "bad-formula",
                    f"{what}: factor levels {levels or 'none'} for {n} members; "
                    f"{model} needs levels "
                    + (
                        f"{n} (one factor)"
                        if model == "beta-factor"
                        else f"{start}, {start + 1}, … up to {n} without gaps"
                    ),
                    element=f"ccf-group:{group.name}",
                )
            )
            return
        factors = [by_level[k] for k in levels]
        spec_of_member = {}
        for member in group.members:
            spec_of_member[member.name] = self.spec_of[id(member)]
        for event in expand(
            [m.name for m in group.members], level_probabilities(model, n, q, factors)
        ):
            index = len(self.events)
            self.events.append(event.name)
            self.probabilities.append(event.probability)
            for m in event.members:
                self.specs[spec_of_member[m]].args.append(("e", index))

    def new_spec(self, name: str, op: str, node: Node, *, defined: bool = False) -> int:
        self.specs.append(_Spec(name, op, node, defined=defined))
        return len(self.specs) - 1

    def gate(self, d: _Def) -> None:
        spec = self.specs[self.spec_of[id(d)]]
        body = d.node.elements()
        if len(body) != 1:
            self.problems.append(
                d.node.problem(
                    "bad-formula",
                    f"gate '{d.name}' needs exactly one formula, found {len(body)}",
                    element=f"gate:{d.name}",
                )
            )
            return
        counter = [0]
        if body[0].tag in _FORMULAS:
            self.formula(spec, body[0], d, counter)
        else:
            spec.op = "null"
            arg = self.argument(body[0], d, counter)
            if arg is not None:
                spec.args.append(arg)

    def formula(self, spec: _Spec, node: Node, d: _Def, counter: list[int]) -> None:
        op = node.tag
        spec.op = op
        for child in node.elements():
            arg = self.argument(child, d, counter)
            if arg is not None:
                spec.args.append(arg)
        n = len(node.elements())
        where = f"gate '{d.name}'"
        if op in ("atleast", "cardinality"):
            try:
                spec.k = int(number(node, "min"))
                spec.k_max = int(number(node, "max")) if op == "cardinality" else 0
            except ExprError as exc:
                self.problems.append(exc.problem)
                return
            if op == "atleast" and not 1 <= spec.k <= n:
                self.problems.append(
                    node.problem(
                        "bad-formula",
                        f"{where}: atleast min={spec.k} with {n} argument(s)",
                        element=f"gate:{d.name}",
                    )
                )
            if op == "cardinality" and not 0 <= spec.k <= spec.k_max <= n:
                self.problems.append(
                    node.problem(
                        "bad-formula",
                        f"{where}: cardinality min={spec.k} max={spec.k_max} with {n} argument(s)",
                        element=f"gate:{d.name}",
                    )
                )
        elif (op == "not" and n != 1) or (op in _BINARY and n != 2) or n < _NARY.get(op, 0):
            want = (
                "1 argument" if op == "not" else ("2 arguments" if op in _BINARY else "arguments")
            )
            self.problems.append(
                node.problem(
                    "bad-formula",
                    f"{where}: <{op}> needs {want}, found {n}",
                    element=f"gate:{d.name}",
                )
            )

    def argument(self, node: Node, d: _Def, counter: list[int]) -> tuple[str, int] | None:
        tag = node.tag
        if tag in _FORMULAS:
            counter[0] += 1
            index = self.new_spec(f"{d.display}.{counter[0]}", tag, node)
            self.formula(self.specs[index], node, d, counter)
            return ("g", index)
        if tag == "constant":
            value = node.attrib.get("value")
            if value not in ("true", "false"):
                self.problems.append(
                    node.problem(
                        "bad-value",
                        f"gate '{d.name}': <constant value=\"{value}\"> is not true or false",
                    )
                )
                return None
            counter[0] += 1
            return ("g", self.new_spec(f"{d.display}.{counter[0]}", value, node))
        if tag not in (*_REFERENCES, "event"):
            self.problems.append(
                node.problem(
                    "unknown-element",
                    f"gate '{d.name}': <{tag}> is no formula or reference",
                    suggestion=did_you_mean(tag, [*_FORMULAS, *_REFERENCES, "event", "constant"]),
                    element=f"gate:{d.name}",
                )
            )
            return None
        name = node.attrib.get("name")
        if not name:
            self.problems.append(
                node.problem(
                    "missing-attribute",
                    f"gate '{d.name}': <{tag}> needs the attribute 'name'",
                    element=f"gate:{d.name}",
                )
            )
            return None
        target = self.model.events.find(name, d.base)
        kind = target.kind.replace("ccf-member", "basic-event") if target else None
        if target is None or (tag != "event" and kind != tag):
            noun = _REFERENCES.get(tag, "event")
            pool = [
                e.name
                for e in self.model.events.by_path.values()
                if tag == "event" or e.kind.replace("ccf-member", "basic-event") == tag
            ]
            extra = f" (it is a {kind.replace('-', ' ')})" if kind else ""
            self.problems.append(
                node.problem(
                    "unknown-reference",
                    f"gate '{d.name}' refers to unknown {noun} '{name}'{extra}",
                    element=f"gate:{d.name}",
                    suggestion=did_you_mean(name, pool),
                )
            )
            return None
        if target.kind == "basic-event":
            return ("e", self.event_of[id(target)])
        if target.kind == "house-event" and id(target) not in self.spec_of:
            body = target.node.elements()
            value = body[0].attrib.get("value", "") if body else "false"
            if (
                len(body) > 1
                or (body and body[0].tag != "constant")
                or value not in ("true", "false")
            ):
                self.problems.append(
                    target.node.problem(
                        "bad-value",
                        f'house event \'{target.name}\' needs <constant value="true"> or "false"',
                        element=f"house-event:{target.name}",
                    )
                )
            self.spec_of[id(target)] = self.new_spec(
                target.display, value if value in ("true", "false") else "false", target.node
            )
        return ("g", self.spec_of[id(target)])

    def order(self) -> list[int]:
        """Specs in topological order (children first); cycles become problems."""
        state = [0] * len(self.specs)  # 0 new, 1 on the stack, 2 done
        order: list[int] = []
        for root in range(len(self.specs)):
            if state[root]:
                continue
            stack = [(root, 0)]
            state[root] = 1
            while stack:
                s, i = stack[-1]
                args = self.specs[s].args
                if i < len(args):
                    stack[-1] = (s, i + 1)
                    kind, t = args[i]
                    if kind != "g":
                        continue
                    if state[t] == 0:
                        state[t] = 1
                        stack.append((t, 0))
                    elif state[t] == 1:
                        path = [x for x, _ in stack]
                        path = [*path[path.index(t) :], t]
                        names = " -> ".join(self.specs[x].name for x in path)
                        spec = self.specs[s]
                        self.problems.append(
                            spec.node.problem(
                                "cycle", f"gates form a cycle: {names}", element=f"gate:{spec.name}"
                            )
                        )
                        args[i - 1] = ("x", 0)  # break it, to report each cycle once
                else:
                    stack.pop()
                    state[s] = 2
                    order.append(s)
        return order


def _set_base(node: Node, base: str) -> None:
    """Tell the parameter references under ``node`` which container they are in."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.tag == "parameter":
            n.base = base
        stack.extend(n.children)


def read_mef(paths: Sequence[Path], *, mission_time: float | None = None) -> FaultTree:
    """Read the Open-PSA MEF files ``paths`` (one model) into a :class:`FaultTree`.

    ``mission_time`` (hours) is the ``t`` of time-dependent basic events
    (``<system-mission-time/>``); without it, a parameter named ``mission-time`` if the
    model defines one, else 8760 h. A basic event defined without an expression (a
    structure-only model) gets probability NaN. Raises :class:`~blackstart.errors.ModelError` with
    every problem found (file, line, element, suggestion). Linear in the model's size.
    """
    model = _Model()
    for path in paths:
        root, problems = load_xml(Path(path), str(path), (Path(path).resolve(),))
        model.problems += problems
        if root is None:
            continue
        if root.tag != "opsa-mef":
            model.problems.append(
                root.problem(
                    "unsupported" if root.tag == "scram" else "unknown-element",
                    f"<{root.tag}> is not an Open-PSA MEF document (expected <opsa-mef>)",
                    suggestion="pass the model files a SCRAM project lists"
                    if root.tag == "scram"
                    else None,
                )
            )
            continue
        model.walk(root, "", True)
    if mission_time is None:
        mission_time = DEFAULT_MISSION_TIME
        if (mt := model.params.public.get("mission-time")) is not None:
            body = mt.node.elements()
            asm0 = _Assembler(model, DEFAULT_MISSION_TIME)
            mission_time = (
                asm0.value(body[0], "", "mission-time") if len(body) == 1 else None
            ) or DEFAULT_MISSION_TIME
    asm = _Assembler(model, mission_time)
    for d in model.defs:
        if d.kind == "basic-event":
            asm.basic_event(d)
        elif d.kind in ("gate", "ccf-member"):
            asm.spec_of[id(d)] = asm.new_spec(d.display, "or", d.node, defined=d.kind == "gate")
    for d in model.defs:
        if d.kind == "gate":
            asm.gate(d)
    for group in model.groups:
        asm.ccf_group(group)
    for d in model.defs:
        if d.kind == "parameter":  # report errors in unused parameters too
            ref = Node("parameter", {"name": d.name}, d.node.file, d.node.line, d.node.column)
            asm.value(ref, d.base, f"parameter '{d.name}'")
    if not any(d.kind == "gate" for d in model.defs) and not model.problems:
        model.problems.append(
            Problem(
                "empty-model",
                "no <define-gate> in the model",
                file=str(paths[0]) if paths else None,
            )
        )
    order = asm.order()
    if model.problems:
        raise ModelError(_unique(model.problems))
    index = {s: i for i, s in enumerate(order)}
    referenced = {t for s in asm.specs for kind, t in s.args if kind == "g"}
    gates = tuple(
        Gate(
            asm.specs[s].name,
            asm.specs[s].op,
            tuple(t if kind == "e" else gate_ref(index[t]) for kind, t in asm.specs[s].args),
            asm.specs[s].k,
            asm.specs[s].k_max,
        )
        for s in order
    )
    tops = tuple(
        index[s] for s, spec in enumerate(asm.specs) if spec.defined and s not in referenced
    )
    return FaultTree(
        events=tuple(asm.events),
        probabilities=tuple(asm.probabilities),
        gates=gates,
        tops=tops,
        name=model.name,
    )


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
