"""Open-PSA MEF expressions: parameters, arithmetic, time models and deviates, as numbers.

Owns the located XML node (:class:`Node`) the MEF reader builds, and the evaluation of an
MEF expression (Open-PSA MEF 2.0d, §6–7) to one point value. Does not read files nor
build gates (``io/mef.py``) nor expand common-cause groups (``io/mef_ccf.py``).

Point values: blackstart analyses one probability per basic event, so a random deviate
stands for its **mean** — ``uniform-deviate(a, b)`` → (a + b) / 2,
``normal-deviate(μ, σ)`` → μ, ``lognormal-deviate(mean, error factor, level)`` → mean
(or ``exp(μ + σ²/2)`` for the two-argument ``(μ, σ)`` form), ``beta-deviate(α, β)`` →
α / (α + β), ``gamma-deviate(k, θ)`` → kθ, ``histogram`` → Σ midpoint·weight / Σ weight.
This is what SCRAM reports as the point estimate. Time models at the mission time ``t``:
``exponential(λ, t)`` = 1 − e^(−λt); ``GLM(γ, λ, μ, t)`` (and four-argument
``exponential``) = (λ − (λ − γ(λ + μ))·e^(−(λ+μ)t)) / (λ + μ); ``Weibull(α, β, t0, t)``
= 1 − e^(−((t − t0)/α)^β) for t ≥ t0, else 0; ``periodic-test(λ, τ, θ, t)`` (the
four-argument form: a component tested, and restored as good as new, at θ, θ + τ, θ + 2τ…)
= 1 − e^(−λt) before the first test, else 1 − e^(−λ·((t − θ) mod τ)). The five- and
eleven-argument ``periodic-test`` forms are reported as ``unsupported``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from blackstart.errors import Problem


@dataclass
class Node:
    """One XML element with its position (1-based line and column)."""

    tag: str
    attrib: dict[str, str]
    file: str
    line: int
    column: int
    children: list[Node] = field(default_factory=list)
    base: str = ""
    """For a ``<parameter>`` reference: the container whose names it sees first."""

    def problem(
        self, code: str, message: str, *, element: str | None = None, suggestion: str | None = None
    ) -> Problem:
        """A problem located at this element."""
        return Problem(
            code,
            message,
            file=self.file,
            line=self.line,
            column=self.column,
            element=element,
            suggestion=suggestion,
        )

    def elements(self) -> list[Node]:
        """The children that carry meaning (``label`` and ``attributes`` are skipped)."""
        return [c for c in self.children if c.tag not in ("label", "attributes")]


class ExprError(Exception):
    """An expression could not be evaluated; carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def number(node: Node, attr: str = "value") -> float:
    """The attribute ``attr`` of ``node`` as a number (``bad-value`` if it is not one)."""
    text = node.attrib.get(attr)
    if text is None:
        raise ExprError(
            node.problem("missing-attribute", f"<{node.tag}> needs the attribute '{attr}'")
        )
    try:
        value = float(text)
    except ValueError:
        raise ExprError(
            node.problem("bad-value", f'<{node.tag} {attr}="{text}">: not a number')
        ) from None
    if math.isnan(value):
        raise ExprError(node.problem("bad-value", f'<{node.tag} {attr}="{text}">: not a number'))
    return value


def _glm(g: float, lam: float, mu: float, t: float) -> float:
    r = lam + mu
    if r == 0:
        return g
    return (lam - (lam - g * r) * math.exp(-r * t)) / r


def _weibull(alpha: float, beta: float, t0: float, t: float) -> float:
    if t < t0 or alpha <= 0:
        return 0.0
    return 1.0 - math.exp(-(((t - t0) / alpha) ** beta))


def _periodic_test(lam: float, tau: float, theta: float, t: float) -> float:
    if t <= theta or tau <= 0:
        return 1.0 - math.exp(-lam * t)
    return 1.0 - math.exp(-lam * math.fmod(t - theta, tau))


def _lognormal(args: list[float]) -> float:
    if len(args) == 2:  # (mu, sigma) of the underlying normal
        return math.exp(args[0] + args[1] ** 2 / 2)
    return args[0]  # (mean, error factor[, level])


_FIXED: dict[str, tuple[int, Callable[..., float]]] = {
    "neg": (1, lambda a: -a),
    "sub": (2, lambda a, b: a - b),
    "div": (2, lambda a, b: a / b),
    "pow": (2, lambda a, b: a**b),
    "mod": (2, math.fmod),
    "abs": (1, abs),
    "exp": (1, math.exp),
    "log": (1, math.log),
    "log10": (1, math.log10),
    "sqrt": (1, math.sqrt),
    "ceil": (1, math.ceil),
    "floor": (1, math.floor),
    "sin": (1, math.sin),
    "cos": (1, math.cos),
    "tan": (1, math.tan),
    "asin": (1, math.asin),
    "acos": (1, math.acos),
    "atan": (1, math.atan),
    "sinh": (1, math.sinh),
    "cosh": (1, math.cosh),
    "tanh": (1, math.tanh),
    "not": (1, lambda a: float(not a)),
    "eq": (2, lambda a, b: float(a == b)),
    "df": (2, lambda a, b: float(a != b)),
    "lt": (2, lambda a, b: float(a < b)),
    "gt": (2, lambda a, b: float(a > b)),
    "leq": (2, lambda a, b: float(a <= b)),
    "geq": (2, lambda a, b: float(a >= b)),
    "ite": (3, lambda c, a, b: a if c else b),
    "exponential": (2, lambda lam, t: 1.0 - math.exp(-lam * t)),
    "GLM": (4, _glm),
    "Weibull": (4, _weibull),
    "periodic-test": (4, _periodic_test),
    "uniform-deviate": (2, lambda a, b: (a + b) / 2),
    "normal-deviate": (2, lambda m, s: m),
    "beta-deviate": (2, lambda a, b: a / (a + b)),
    "gamma-deviate": (2, lambda k, theta: k * theta),
}
_VARIADIC: dict[str, Callable[[list[float]], float]] = {
    "add": math.fsum,
    "mul": math.prod,
    "min": min,
    "max": max,
    "mean": lambda xs: math.fsum(xs) / len(xs),
    "and": lambda xs: float(all(xs)),
    "or": lambda xs: float(any(xs)),
}
EXPRESSION_TAGS = frozenset(
    {*_FIXED, *_VARIADIC, "float", "int", "bool", "pi", "parameter", "system-mission-time"}
    | {"lognormal-deviate", "histogram"}
)


class Evaluator:
    """Evaluates MEF expressions; ``parameter`` resolves a parameter reference to its node.

    ``parameter(node)`` returns ``(key, definition)`` for a ``<parameter name>`` node (it
    raises :class:`ExprError` for an unknown name). Parameter values are memoised and a
    parameter defined through itself is reported as a ``cycle``.
    """

    def __init__(
        self,
        mission_time: float,
        parameter: Callable[[Node], tuple[str, Node]],
    ) -> None:
        self.mission_time = mission_time
        self._parameter = parameter
        self._values: dict[str, float] = {}
        self._active: list[str] = []
        self._failed: dict[str, Problem] = {}

    def value(self, node: Node) -> float:
        """The point value of expression ``node`` (raises :class:`ExprError`)."""
        tag = node.tag
        if tag in ("float", "int"):
            return number(node)
        if tag == "bool":
            text = node.attrib.get("value", "")
            if text not in ("true", "false"):
                raise ExprError(node.problem("bad-value", f'<bool value="{text}">: not a boolean'))
            return 1.0 if text == "true" else 0.0
        if tag == "pi":
            return math.pi
        if tag == "system-mission-time":
            return self.mission_time
        if tag == "parameter":
            return self._param(node)
        args = node.elements()
        if tag in _VARIADIC:
            if not args:
                raise ExprError(node.problem("bad-formula", f"<{tag}> needs arguments"))
            return _VARIADIC[tag]([self.value(a) for a in args])
        if tag == "lognormal-deviate" and len(args) in (2, 3):
            return _lognormal([self.value(a) for a in args])
        if tag == "histogram":
            return self._histogram(node, args)
        if tag == "exponential" and len(args) == 4:
            tag = "GLM"
        if tag == "periodic-test" and len(args) in (5, 11):
            raise ExprError(
                node.problem(
                    "unsupported",
                    f"<periodic-test> with {len(args)} arguments is not supported yet"
                    " (only the 4-argument form λ, τ, θ, t)",
                )
            )
        if tag not in _FIXED:
            raise ExprError(
                node.problem("unknown-element", f"<{tag}> is not an expression blackstart knows")
            )
        arity, fn = _FIXED[tag]
        if len(args) != arity:
            raise ExprError(
                node.problem("bad-formula", f"<{tag}> takes {arity} argument(s), found {len(args)}")
            )
        values = [self.value(a) for a in args]
        try:
            return float(fn(*values))
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise ExprError(node.problem("bad-value", f"<{tag}>: {exc}")) from None

    def _param(self, node: Node) -> float:
        key, definition = self._parameter(node)
        if key in self._failed:
            raise ExprError(self._failed[key])
        if key in self._values:
            return self._values[key]
        if key in self._active:
            path = " -> ".join([*self._active[self._active.index(key) :], key])
            raise ExprError(
                definition.problem(
                    "cycle", f"parameter '{key}' is defined through itself: {path}", element=key
                )
            )
        body = definition.elements()
        if len(body) != 1:
            raise ExprError(
                definition.problem(
                    "bad-formula", f"parameter '{key}' needs exactly one expression", element=key
                )
            )
        self._active.append(key)
        try:
            result = self.value(body[0])
        except ExprError as exc:
            self._failed[key] = exc.problem
            raise
        finally:
            self._active.pop()
        self._values[key] = result
        return result

    def _histogram(self, node: Node, args: list[Node]) -> float:
        if len(args) < 2 or any(b.tag != "bin" for b in args[1:]):
            raise ExprError(
                node.problem("bad-formula", "<histogram> needs a lower bound then <bin> elements")
            )
        lower = self.value(args[0])
        total = weighted = 0.0
        for b in args[1:]:
            pair = b.elements()
            if len(pair) != 2:
                raise ExprError(b.problem("bad-formula", "<bin> needs an upper bound and a weight"))
            upper, weight = self.value(pair[0]), self.value(pair[1])
            total += weight
            weighted += weight * (lower + upper) / 2
            lower = upper
        if total <= 0:
            raise ExprError(node.problem("bad-value", "<histogram> weights sum to zero"))
        return weighted / total
