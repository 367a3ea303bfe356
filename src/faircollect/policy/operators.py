"""The closed set of operators a rule's ``when`` composes, compiled once into plain closures.

A condition is one of::

    {all: [condition, ...]}   {any: [condition, ...]}   {not: condition}
    {fact: NAME, OP: operand}                # a named fact (facts.FACT_TYPES)
    {count: SELECTOR, OP: operand}           # how many history entries match SELECTOR

``OP`` is one of ``OPERATORS``; an operand is a literal, ``{param: NAME}`` (a pack
parameter) or ``{fact: NAME}`` (another fact). A SELECTOR has optional
``channel``, ``outcome``, ``purpose`` (a value or a list), ``to`` (borrower,
recipient, number) and at most one of ``period: today``, ``within_hours: N``,
``at_least_days_ago: N`` (N a number or ``{param: NAME}``).

Absent values: an order comparison (lt, lte, gt, gte) with an absent side is
false; ``eq``/``ne``/``in``/``not_in`` compare as they read (absent is not in a
list, absent differs from 3); ``outside`` an absent window and ``mentions_any``
in an absent text are false. Rules are written so that missing evidence never
passes where the law needs it (``not: {fact: account.dpd, gte: 30}``).

Compilation checks every fact, parameter, type and vocabulary value, and
raises ``DefinitionError`` naming the path inside the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from faircollect.policy.facts import (
    COUNT_VOCABULARY,
    DIRECT,
    FACT_PARAMETERS,
    FACT_TYPES,
    FACT_VOCABULARY,
    Count,
    Facts,
)
from faircollect.policy.model import Window

__all__ = ["OPERATORS", "Condition", "DefinitionError", "Uses", "compile_condition"]

Condition = Callable[[Facts], bool]
ParamValue = int | Window | tuple[str, ...]

OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "in",
    "not_in",
    "lt",
    "lte",
    "gt",
    "gte",
    "contains",
    "contains_any",
    "exists",
    "outside",
    "mentions_any",
)
_NUMERIC = frozenset({"int", "minor", "days"})
_ALLOWED: dict[str, frozenset[str]] = {
    "str": frozenset({"eq", "ne", "in", "not_in", "exists"}),
    "bool": frozenset({"eq", "ne", "exists"}),
    "int": frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "exists"}),
    "minor": frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "exists"}),
    "days": frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "exists"}),
    "strset": frozenset({"contains", "contains_any"}),
    "window": frozenset({"exists"}),
    "time": frozenset({"outside"}),
    "text": frozenset({"mentions_any", "exists"}),
}


class DefinitionError(Exception):
    """A rule that cannot be compiled: where (a path inside the pack) and why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Uses:
    """What a compiled condition reads: for checks, and for the search of ``next_allowed_at``."""

    facts: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)
    counts: set[Count] = field(default_factory=set)
    windows: set[Window] = field(default_factory=set)
    window_facts: set[str] = field(default_factory=set)


def compile_condition(node: Any, params: Mapping[str, ParamValue], path: str, uses: Uses) -> Condition:
    """A closure deciding ``node`` on a ``Facts``; records what it reads in ``uses``."""
    return _Compiler(params, uses).condition(node, path)


@dataclass
class _Operand:
    """A constant (literal or parameter) or another fact, with its type."""

    type: str
    const: Any = None
    fact: str | None = None


class _Compiler:
    def __init__(self, params: Mapping[str, ParamValue], uses: Uses) -> None:
        self.params = params
        self.uses = uses

    def condition(self, node: Any, path: str) -> Condition:
        if not isinstance(node, dict):
            raise DefinitionError(path, "a condition is an object")
        if "all" in node or "any" in node:
            key = "all" if "all" in node else "any"
            if len(node) != 1 or not isinstance(node[key], list) or not node[key]:
                raise DefinitionError(path, f"{key!r} takes a non-empty list of conditions and nothing else")
            tests = [self.condition(child, f"{path}.{key}[{i}]") for i, child in enumerate(node[key])]
            return _all(tests) if key == "all" else _any(tests)
        if "not" in node:
            if len(node) != 1:
                raise DefinitionError(path, "'not' takes one condition and nothing else")
            inner = self.condition(node["not"], f"{path}.not")
            return lambda f: not inner(f)
        ops = [k for k in node if k in OPERATORS]
        others = [k for k in node if k not in OPERATORS and k not in ("fact", "count")]
        if others:
            raise DefinitionError(f"{path}.{others[0]}", f"unknown operator; one of: {', '.join(OPERATORS)}")
        if len(ops) != 1:
            raise DefinitionError(path, "a comparison has exactly one operator")
        op = ops[0]
        if ("fact" in node) == ("count" in node):
            raise DefinitionError(path, "a comparison names either a 'fact' or a 'count'")
        if "fact" in node:
            name = node["fact"]
            ftype = self._fact(name, f"{path}.fact")
            return self._leaf(ftype, _getter(name), name, op, node[op], f"{path}.{op}")
        selector = self._count(node["count"], f"{path}.count")
        base = selector.base()
        return self._leaf("int", lambda f: f.count(selector, base), None, op, node[op], f"{path}.{op}")

    # -- pieces ----------------------------------------------------------------------------

    def _fact(self, name: Any, path: str) -> str:
        if not isinstance(name, str) or name not in FACT_TYPES:
            raise DefinitionError(path, f"unknown fact {name!r}; facts: {', '.join(sorted(FACT_TYPES))}")
        self.uses.facts.add(name)
        for param, kind in FACT_PARAMETERS.get(name, {}).items():
            value = self._param(param, f"{path} (the fact {name} reads parameter {param!r})")
            if not isinstance(value, kind):
                raise DefinitionError(
                    path, f"the fact {name} needs parameter {param!r} to be a {kind.__name__}"
                )
        return FACT_TYPES[name]

    def _param(self, name: Any, path: str) -> ParamValue:
        if not isinstance(name, str) or name not in self.params:
            raise DefinitionError(
                path, f"unknown parameter {name!r}; parameters: {', '.join(sorted(self.params))}"
            )
        self.uses.params.add(name)
        return self.params[name]

    def _operand(self, raw: Any, path: str) -> _Operand:
        if isinstance(raw, dict):
            if set(raw) == {"param"}:
                value = self._param(raw["param"], f"{path}.param")
                return _Operand(_type_of(value), const=value)
            if set(raw) == {"fact"}:
                return _Operand(self._fact(raw["fact"], f"{path}.fact"), fact=raw["fact"])
            raise DefinitionError(path, "an operand is a literal, {param: NAME} or {fact: NAME}")
        if isinstance(raw, list):
            if not all(isinstance(v, str) for v in raw):
                raise DefinitionError(path, "a list operand holds strings")
            return _Operand("list", const=tuple(raw))
        if isinstance(raw, bool):
            return _Operand("bool", const=raw)
        if isinstance(raw, int):
            return _Operand("int", const=raw)
        if isinstance(raw, str):
            return _Operand("str", const=raw)
        raise DefinitionError(path, f"unsupported operand {raw!r}")

    def _vocabulary(self, fact: str | None, values: tuple[str, ...], path: str) -> None:
        vocabulary = FACT_VOCABULARY.get(fact or "")
        if vocabulary is None:
            return
        for value in values:
            if value not in vocabulary:
                raise DefinitionError(
                    path, f"{value!r} is not a value of {fact}; one of: {', '.join(vocabulary)}"
                )

    def _leaf(
        self, ftype: str, get: Callable[[Facts], Any], fact: str | None, op: str, raw: Any, path: str
    ) -> Condition:
        if op not in _ALLOWED[ftype]:
            raise DefinitionError(path, f"operator {op!r} does not apply to {ftype} facts")
        operand = self._operand(raw, path)

        def expect(*types: str) -> None:
            if operand.type not in types:
                raise DefinitionError(
                    path, f"{op!r} on a {ftype} fact takes a {' or '.join(types)}, not a {operand.type}"
                )

        if op == "exists":
            expect("bool")
            wanted = bool(operand.const)
            return lambda f: (get(f) is not None) is wanted
        if op in ("eq", "ne"):
            if operand.fact is not None:
                expect(ftype)
                other = _getter(operand.fact)
                return (lambda f: get(f) == other(f)) if op == "eq" else (lambda f: get(f) != other(f))
            expect("int" if ftype in _NUMERIC else ftype)
            if operand.type == "str":
                self._vocabulary(fact, (operand.const,), path)
            k = operand.const
            return (lambda f: get(f) == k) if op == "eq" else (lambda f: get(f) != k)
        if op in ("in", "not_in"):
            expect("list")
            self._vocabulary(fact, operand.const, path)
            members = frozenset(operand.const)
            return (lambda f: get(f) in members) if op == "in" else (lambda f: get(f) not in members)
        if op in ("lt", "lte", "gt", "gte"):
            compare = _ORDER[op]
            if operand.fact is not None:
                expect(ftype)
                other = _getter(operand.fact)

                def by_fact(f: Facts) -> bool:
                    a, b = get(f), other(f)
                    return a is not None and b is not None and compare(a, b)

                return by_fact
            expect("int")
            k = operand.const
            if ftype == "int" and fact is None:  # a count is never absent
                return lambda f: compare(get(f), k)

            def by_const(f: Facts) -> bool:
                a = get(f)
                return a is not None and compare(a, k)

            return by_const
        if op == "contains":
            if operand.fact is not None:
                expect("str")
                other = _getter(operand.fact)
                return lambda f: other(f) in get(f)
            expect("str")
            self._vocabulary(fact, (operand.const,), path)
            k = operand.const
            return lambda f: k in get(f)
        if op == "contains_any":
            expect("list")
            self._vocabulary(fact, operand.const, path)
            members = frozenset(operand.const)
            return lambda f: not members.isdisjoint(get(f))
        if op == "outside":
            expect("window")
            if operand.fact is not None:
                self.uses.window_facts.add(operand.fact)
                window_of = _getter(operand.fact)

                def outside_fact(f: Facts) -> bool:
                    window = window_of(f)
                    return window is not None and not window.contains(get(f))

                return outside_fact
            window: Window = operand.const
            self.uses.windows.add(window)
            return lambda f: not window.contains(get(f))
        # mentions_any
        expect("list")
        if not operand.const:
            raise DefinitionError(path, "mentions_any needs at least one phrase")
        pattern = re.compile(
            "|".join(r"(?<!\w)" + r"\s+".join(map(re.escape, p.split())) + r"(?!\w)" for p in operand.const),
            re.IGNORECASE,
        )

        def mentions(f: Facts) -> bool:
            text = get(f)
            return text is not None and pattern.search(text) is not None

        return mentions

    def _count(self, raw: Any, path: str) -> Count:
        if not isinstance(raw, dict):
            raise DefinitionError(path, "a count selector is an object")
        allowed = {"channel", "outcome", "purpose", "to", "period", "within_hours", "at_least_days_ago"}
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise DefinitionError(
                f"{path}.{unknown[0]}", f"unknown selector key; keys: {', '.join(sorted(allowed))}"
            )
        sets: dict[str, frozenset[str] | None] = {}
        for key in ("channel", "outcome", "purpose"):
            value = raw.get(key)
            if value is None:
                sets[key] = None
                continue
            values = self._strings(value, f"{path}.{key}")
            for v in values:
                if v not in COUNT_VOCABULARY[key]:
                    raise DefinitionError(
                        f"{path}.{key}", f"{v!r} is not a {key}; one of: {', '.join(COUNT_VOCABULARY[key])}"
                    )
            sets[key] = frozenset(values)
        to = raw.get("to")
        if to is not None and to not in COUNT_VOCABULARY["to"]:
            raise DefinitionError(f"{path}.to", f"{to!r}: 'to' is borrower, recipient or number")
        periods = [k for k in ("period", "within_hours", "at_least_days_ago") if k in raw]
        if len(periods) > 1:
            raise DefinitionError(path, "at most one of period, within_hours, at_least_days_ago")
        period, amount = "ever", 0
        if periods == ["period"]:
            if raw["period"] not in ("today", "ever"):
                raise DefinitionError(f"{path}.period", "period is 'today' or 'ever'")
            period = raw["period"]
        elif periods:
            period = periods[0]
            amount = self._number(raw[period], f"{path}.{period}")
        selector = Count(sets["channel"], sets["outcome"], sets["purpose"], to, period, amount)
        self.uses.counts.add(selector)
        return selector

    def _strings(self, raw: Any, path: str) -> tuple[str, ...]:
        if isinstance(raw, dict):
            value = self._param(raw.get("param"), f"{path}.param") if set(raw) == {"param"} else None
            if not isinstance(value, tuple):
                raise DefinitionError(path, "expected a value, a list or {param: NAME} of a list")
            return value
        if isinstance(raw, str):
            return (raw,)
        if isinstance(raw, list) and raw and all(isinstance(v, str) for v in raw):
            return tuple(raw)
        raise DefinitionError(path, "expected a value or a non-empty list of values")

    def _number(self, raw: Any, path: str) -> int:
        if isinstance(raw, dict) and set(raw) == {"param"}:
            value = self._param(raw["param"], f"{path}.param")
        else:
            value = raw
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DefinitionError(path, "expected a whole number or {param: NAME} of one")
        return value


def _getter(name: str) -> Callable[[Facts], Any]:
    """How a compiled condition reads a fact: a C-level attribute read for a field of the
    request, else the facts' cache (computed on first use)."""
    path = DIRECT.get(name)
    if path is not None:
        return attrgetter(path)
    return lambda f: f.get(name)


def _type_of(value: ParamValue) -> str:
    if isinstance(value, Window):
        return "window"
    if isinstance(value, tuple):
        return "list"
    return "int"


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _lte(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _gte(a: Any, b: Any) -> bool:
    return bool(a >= b)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {"lt": _lt, "lte": _lte, "gt": _gt, "gte": _gte}


def _all(tests: list[Condition]) -> Condition:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda f: a(f) and b(f)

    def every(f: Facts) -> bool:
        return all(test(f) for test in tests)

    return every


def _any(tests: list[Condition]) -> Condition:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda f: a(f) or b(f)

    def some(f: Facts) -> bool:
        return any(test(f) for test in tests)

    return some
