"""Policy packs: YAML -> JSON Schema -> typed, compiled ``Pack``; ``extends`` and the tightening check.

A pack lives in a directory named after it, ``<dir>/<id>/pack.yaml``, with its
cases in ``<dir>/<id>/tests/*_test.yaml``; a pack without tests does not load.
Shipped packs are in the repository's ``policies/packs``. A ``PackLibrary`` may
search other directories first (the CLI and API take one from ``--dir`` or
``FAIRCOLLECT_POLICY_DIR``) for a lender's own packs. Such a pack must extend a
shipped pack (directly or through another lender pack) and may not take a shipped
pack's id: the law as shipped is the floor, and a lender can only build on it, so
a copy of ``cn`` with a wider window cannot stand in for ``cn``. Only the shipped
directory holds base packs (``base_packs=True`` lifts this, for writing a new
jurisdiction's pack before it ships). ``extends`` is resolved the same way.

Parameters are named values, each ``legal`` (a number of the law) or ``house``
(the platform's choice) and each with the way that is stricter (``tighten``).
A pack that extends another may override any parameter; overriding a legal one
the loose way is refused at load, naming pack, parameter, shipped and requested
value. Rules are compiled once, at load, into closures (``operators``).

The version is the pack's ``version`` plus a short hash of its YAML (and of its
base's version), so a changed pack answers with a changed version.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from faircollect.domain.errors import FaircollectError
from faircollect.policy.facts import Count, Facts
from faircollect.policy.model import CHANNELS, Reason, RuleHit, Window
from faircollect.policy.operators import Condition, DefinitionError, ParamValue, Uses, compile_condition
from faircollect.policy.parse import zone

__all__ = [
    "SCHEMA_DIR",
    "SHIPPED_DIR",
    "Pack",
    "PackError",
    "PackLibrary",
    "Parameter",
    "Rule",
    "load_pack",
    "shipped_library",
]

SHIPPED_DIR = Path(__file__).resolve().parents[3] / "policies" / "packs"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PackError(FaircollectError):
    """A pack that does not load: which pack, which parameter or rule if any, and why."""

    def __init__(
        self, pack: str, reason: str, *, parameter: str | None = None, path: Path | None = None
    ) -> None:
        where = f"pack {pack!r}" + (f" ({path})" if path else "")
        super().__init__(f"{where}: {reason}")
        self.pack = pack
        self.parameter = parameter
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named value of a pack: legal or house, the stricter direction, its source."""

    name: str
    value: ParamValue
    kind: str  # "legal" | "house"
    tighten: str  # "lower" | "higher" | "narrower" | "fewer" | "more"
    source: str
    unit: str | None = None
    defined_by: str = ""  # the pack that defined it
    overridden_by: str | None = None

    def display(self, value: ParamValue | None = None) -> str:
        v = self.value if value is None else value
        if isinstance(v, tuple):
            return "[" + ", ".join(v) + "]"
        return str(v)


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule: ``judge`` gives its hit (deny or review) on some facts, or None."""

    id: str
    source: str
    time: bool
    deny_reason: Reason | None
    review_reason: Reason | None
    applies: Condition | None
    deny: Condition | None
    review: Condition | None
    deny_hit: RuleHit | None
    review_hit: RuleHit | None
    uses: Uses
    defined_by: str
    #: the channels its ``applies`` can hold for (None: any), read from the rule at compile time
    channels: frozenset[str] | None = None

    def judge(self, facts: Facts) -> RuleHit | None:
        if self.applies is not None and not self.applies(facts):
            return None
        if self.deny is not None and self.deny(facts):
            return self.deny_hit
        if self.review is not None and self.review(facts):
            return self.review_hit
        return None


@dataclass(frozen=True, eq=False)
class Pack:
    """A loaded, validated and compiled pack."""

    id: str
    version: str
    timezone: str
    parameters: Mapping[str, Parameter]
    rules: tuple[Rule, ...]
    directory: Path
    tests: tuple[Path, ...]
    extends: str | None = None
    title: Reason | None = None
    time_rules: tuple[Rule, ...] = field(default=())
    #: wall-clock times at which a time rule's window may open or close (plus midnight)
    boundaries: tuple[time, ...] = field(default=())
    window_facts: tuple[str, ...] = field(default=())
    time_counts: tuple[Count, ...] = field(default=())
    #: how far ahead to look for next_allowed_at
    horizon: timedelta = field(default=timedelta(days=2))
    #: the rule definitions behind ``rules`` (and the pack defining each), for packs that extend this one
    definitions: tuple[tuple[Mapping[str, Any], str], ...] = field(default=(), repr=False)
    #: per channel, the rules (and the time rules) that can apply to it, in pack order
    by_channel: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False)
    #: every parameter's value, by name (for the facts that read one)
    values: Mapping[str, ParamValue] = field(default_factory=dict, repr=False)
    time_by_channel: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


def schema_problem(data: Any, schema: str) -> str | None:
    """The first (most relevant) problem of ``data`` under the named schema, as ``path: message``."""
    error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(data))
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return f"{where or '(top)'}: {error.message}"


def read_yaml(path: Path) -> tuple[Any, bytes]:
    raw = path.read_bytes()
    return yaml.load(raw, Loader=_Loader), raw


def read_checked(path: Path, schema: str, *, pack_id: str, prefix: str = "") -> tuple[Any, bytes]:
    """``path``'s YAML and bytes, checked against ``schema``; ``PackError`` (after ``prefix``) if not."""
    try:
        data, raw = read_yaml(path)
    except yaml.YAMLError as exc:
        raise PackError(pack_id, f"{prefix}not valid YAML: {exc}", path=path) from None
    problem = schema_problem(data, schema)
    if problem is not None:
        kind = schema.removesuffix(".schema.json")
        raise PackError(pack_id, f"{prefix}does not match the {kind} schema: {problem}", path=path)
    return data, raw


class PackLibrary:
    """Packs by id, searched in ``directories`` in order, then the shipped ones; each loaded once."""

    def __init__(self, *directories: Path, base_packs: bool = False) -> None:
        dirs = [Path(d) for d in directories]
        self.base_packs = base_packs
        if not any(d.resolve() == SHIPPED_DIR for d in dirs):
            dirs.append(SHIPPED_DIR)
        self.directories: tuple[Path, ...] = tuple(dirs)
        self._packs: dict[str, Pack] = {}

    def ids(self) -> list[str]:
        """Every pack id found, in search order, without duplicates."""
        seen: list[str] = []
        for d in self.directories:
            if d.is_dir():
                for child in sorted(d.iterdir()):
                    if (child / "pack.yaml").is_file() and child.name not in seen:
                        seen.append(child.name)
        return seen

    def find(self, pack_id: str) -> Path | None:
        for d in self.directories:
            if (d / pack_id / "pack.yaml").is_file():
                return d / pack_id
        return None

    def get(self, pack_id: str) -> Pack:
        pack = self._packs.get(pack_id)
        if pack is None:
            pack = self._packs[pack_id] = self._load(pack_id, ())
        return pack

    def _load(self, pack_id: str, chain: tuple[str, ...]) -> Pack:
        if pack_id in chain:
            raise PackError(pack_id, f"extends itself through {' -> '.join((*chain, pack_id))}")
        directory = self.find(pack_id)
        if directory is None:
            where = ", ".join(str(d) for d in self.directories)
            raise PackError(pack_id, f"no such pack (looked for {pack_id}/pack.yaml in {where})")
        base: Pack | None = None
        data, raw = _read_pack(pack_id, directory)
        if not self.base_packs and directory.parent.resolve() != SHIPPED_DIR:
            if (SHIPPED_DIR / pack_id / "pack.yaml").is_file():
                raise PackError(
                    pack_id,
                    f"is the id of a shipped pack, and {directory} is not the shipped one; a lender's pack "
                    f"takes its own id and says extends: {pack_id}",
                    path=directory / "pack.yaml",
                )
            if not data.get("extends"):
                shipped = ", ".join(
                    sorted(p.name for p in SHIPPED_DIR.iterdir() if (p / "pack.yaml").is_file())
                )
                raise PackError(
                    pack_id,
                    f"extends no pack; a lender's pack builds on a shipped one (extends: one of {shipped}) "
                    "and may only tighten it",
                    path=directory / "pack.yaml",
                )
        if data.get("extends"):
            base_id = data["extends"]
            base = self._packs.get(base_id) or self._load(base_id, (*chain, pack_id))
            self._packs.setdefault(base_id, base)
        return build_pack(data, raw, directory, base)


def _read_pack(pack_id: str, directory: Path) -> tuple[dict[str, Any], bytes]:
    path = directory / "pack.yaml"
    data, raw = read_checked(path, "pack.schema.json", pack_id=pack_id)
    if data["pack"] != directory.name:
        raise PackError(
            pack_id, f"its directory is {directory.name!r} but it says pack: {data['pack']!r}", path=path
        )
    return data, raw


def build_pack(data: dict[str, Any], raw: bytes, directory: Path, base: Pack | None) -> Pack:
    """A compiled pack from schema-valid data; ``base`` is the pack it extends, if any."""
    pack_id: str = data["pack"]
    tests = tuple(sorted((directory / "tests").glob("*_test.yaml")))
    if not tests:
        raise PackError(
            pack_id,
            f"has no tests: a pack loads only with cases in {directory / 'tests'}/*_test.yaml",
            path=directory,
        )
    timezone = base.timezone if base is not None else data["timezone"]
    if zone(timezone) is None:
        raise PackError(pack_id, f"unknown IANA timezone {timezone!r}")

    params: dict[str, Parameter] = dict(base.parameters) if base is not None else {}
    for name, spec in (data.get("parameters") or {}).items():
        if name in params:
            raise PackError(
                pack_id,
                f"parameter {name!r} is already defined by pack {params[name].defined_by!r}; "
                "change it under overrides:",
                parameter=name,
            )
        value = _param_value(pack_id, name, spec["value"])
        _check_direction(pack_id, name, value, spec["tighten"])
        params[name] = Parameter(
            name, value, spec["kind"], spec["tighten"], spec["source"], spec.get("unit"), defined_by=pack_id
        )
    for name, raw_value in (data.get("overrides") or {}).items():
        if name not in params:
            raise PackError(
                pack_id,
                f"overrides unknown parameter {name!r}; parameters: {', '.join(sorted(params))}",
                parameter=name,
            )
        shipped = params[name]
        value = _param_value(pack_id, name, raw_value)
        if type(value) is not type(shipped.value):
            raise PackError(
                pack_id,
                f"parameter {name!r} is a {_kind(shipped.value)}, not a {_kind(value)}",
                parameter=name,
            )
        if shipped.kind == "legal" and not _tighter_or_equal(shipped, value):
            raise PackError(
                pack_id,
                f"loosens legal parameter {name!r} of pack {shipped.defined_by!r}: shipped {shipped.display()}, "
                f"requested {shipped.display(value)}; a lender's pack may only tighten it "
                f"({_DIRECTIONS[shipped.tighten]})",
                parameter=name,
            )
        params[name] = Parameter(
            name,
            value,
            shipped.kind,
            shipped.tighten,
            shipped.source,
            shipped.unit,
            shipped.defined_by,
            overridden_by=pack_id,
        )

    rules: list[Rule] = []
    if base is not None:
        # The base's rules, recompiled on this pack's parameters.
        rules.extend(_compile_rule(pack_id, spec, params, origin) for spec, origin in base.definitions)
    known = {r.id for r in rules}
    for spec in data.get("rules") or []:
        if spec["id"] in known:
            raise PackError(
                pack_id,
                f"rule {spec['id']!r} is defined twice (a lender's pack may add rules, never replace one)",
            )
        known.add(spec["id"])
        rules.append(_compile_rule(pack_id, spec, params, pack_id))

    digest = hashlib.sha256(raw + (base.version.encode() if base is not None else b"")).hexdigest()[:8]
    version = f"{data['version']}+{digest}"
    time_rules = tuple(r for r in rules if r.time)
    boundaries: set[time] = {time(0, 0)}
    window_facts: set[str] = set()
    counts: set[Count] = set()
    for r in time_rules:
        for w in r.uses.windows:
            boundaries.update((w.start, w.end))
        window_facts.update(r.uses.window_facts)
        # A count of today changes only at local midnight, already a boundary.
        counts.update(c for c in r.uses.counts if c.period in ("within_hours", "at_least_days_ago"))
    reach = max(
        [timedelta(0)]
        + [timedelta(hours=c.amount) for c in counts if c.period == "within_hours"]
        + [timedelta(days=c.amount) for c in counts if c.period == "at_least_days_ago"]
    )
    title = data.get("title")
    definitions = (
        *(base.definitions if base is not None else ()),
        *((spec, pack_id) for spec in data.get("rules") or []),
    )
    pack = Pack(
        id=pack_id,
        version=version,
        timezone=timezone,
        parameters=params,
        rules=tuple(rules),
        directory=directory,
        tests=tests,
        extends=base.id if base is not None else None,
        title=Reason(title["zh"], title["en"]) if title else (base.title if base is not None else None),
        time_rules=time_rules,
        boundaries=tuple(sorted(boundaries)),
        window_facts=tuple(sorted(window_facts)),
        time_counts=tuple(
            sorted(counts, key=lambda c: (c.period, c.amount, sorted(c.channels or ()), c.to or ""))
        ),
        horizon=reach + timedelta(days=2),
        definitions=definitions,
        values={name: p.value for name, p in params.items()},
        by_channel={c: tuple(r for r in rules if r.channels is None or c in r.channels) for c in CHANNELS},
        time_by_channel={
            c: tuple(r for r in time_rules if r.channels is None or c in r.channels) for c in CHANNELS
        },
    )
    return pack


def _compile_rule(
    pack_id: str, spec: Mapping[str, Any], params: Mapping[str, Parameter], origin: str
) -> Rule:
    rule_id: str = spec["id"]
    values = {name: p.value for name, p in params.items()}
    uses = Uses()
    try:
        applies = (
            compile_condition(spec["applies"], values, f"{rule_id}.applies", uses)
            if "applies" in spec
            else None
        )
        deny = (
            compile_condition(spec["deny"]["when"], values, f"{rule_id}.deny.when", uses)
            if "deny" in spec
            else None
        )
        review = (
            compile_condition(spec["review"]["when"], values, f"{rule_id}.review.when", uses)
            if "review" in spec
            else None
        )
    except DefinitionError as exc:
        raise PackError(pack_id, f"rule {exc.path}: {exc.reason}") from None
    deny_reason = _reason(pack_id, rule_id, spec["deny"]["reason"], params) if "deny" in spec else None
    review_reason = _reason(pack_id, rule_id, spec["review"]["reason"], params) if "review" in spec else None
    return Rule(
        id=rule_id,
        source=spec["source"],
        time=bool(spec.get("time", False)),
        deny_reason=deny_reason,
        review_reason=review_reason,
        applies=applies,
        deny=deny,
        review=review,
        deny_hit=RuleHit(rule_id, "deny", deny_reason) if deny_reason else None,
        review_hit=RuleHit(rule_id, "review", review_reason) if review_reason else None,
        uses=uses,
        defined_by=origin,
        channels=_channels_of(spec.get("applies"), values),
    )


def _channels_of(node: Any, values: Mapping[str, ParamValue]) -> frozenset[str] | None:
    """The channels for which a (compiled, hence valid) ``applies`` condition can hold; None: any."""
    if not isinstance(node, dict):
        return None
    if node.get("fact") == "action.channel":
        if "eq" in node and isinstance(node["eq"], str):
            return frozenset({node["eq"]})
        if "in" in node:
            members = node["in"]
            if isinstance(members, dict):
                members = values.get(members.get("param", ""), ())
            return frozenset(members) if isinstance(members, list | tuple) else None
        return None
    if "all" in node:
        found = [c for c in (_channels_of(child, values) for child in node["all"]) if c is not None]
        return frozenset.intersection(*found) if found else None
    if "any" in node:
        each = [_channels_of(child, values) for child in node["any"]]
        return None if any(c is None for c in each) else frozenset().union(*each)  # type: ignore[arg-type]
    return None


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _reason(pack_id: str, rule_id: str, raw: Mapping[str, str], params: Mapping[str, Parameter]) -> Reason:
    """The rule's reason with each ``{parameter}`` replaced by this pack's value of it."""

    def fill(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in params:
                raise PackError(pack_id, f"rule {rule_id}: its reason names unknown parameter {{{name}}}")
            return params[name].display()

        return _PLACEHOLDER.sub(value, text)

    return Reason(zh=fill(raw["zh"]), en=fill(raw["en"]))


def _param_value(pack_id: str, name: str, raw: Any) -> ParamValue:
    if isinstance(raw, dict):
        start, end = time.fromisoformat(raw["start"]), time.fromisoformat(raw["end"])
        if start == end:
            raise PackError(
                pack_id, f"parameter {name!r}: the window is empty (start equals end)", parameter=name
            )
        return Window(start, end)
    if isinstance(raw, list):
        return tuple(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise PackError(pack_id, f"parameter {name!r}: unsupported value {raw!r}", parameter=name)
    return raw


_DIRECTIONS = {
    "lower": "a cap may only be lowered",
    "higher": "a minimum or waiting period may only be raised",
    "narrower": "a window may only be narrowed, inside the shipped one",
    "fewer": "a list of what is allowed may only lose members",
    "more": "a list of what is required may only gain members",
}
_FITS = {
    "lower": int,
    "higher": int,
    "narrower": Window,
    "fewer": tuple,
    "more": tuple,
}


def _check_direction(pack_id: str, name: str, value: ParamValue, tighten: str) -> None:
    if not isinstance(value, _FITS[tighten]):
        raise PackError(
            pack_id, f"parameter {name!r}: tighten {tighten!r} does not fit a {_kind(value)}", parameter=name
        )


def _tighter_or_equal(shipped: Parameter, value: ParamValue) -> bool:
    old = shipped.value
    if shipped.tighten == "lower":
        return isinstance(value, int) and isinstance(old, int) and value <= old
    if shipped.tighten == "higher":
        return isinstance(value, int) and isinstance(old, int) and value >= old
    if shipped.tighten == "narrower":
        return isinstance(value, Window) and isinstance(old, Window) and value.minutes() <= old.minutes()
    if shipped.tighten == "fewer":
        return isinstance(value, tuple) and isinstance(old, tuple) and set(value) <= set(old)
    return isinstance(value, tuple) and isinstance(old, tuple) and set(value) >= set(old)


def _kind(value: ParamValue) -> str:
    if isinstance(value, Window):
        return "window"
    if isinstance(value, tuple):
        return "list"
    return "number"


@cache
def shipped_library() -> PackLibrary:
    """The packs shipped in the repository's ``policies/packs``."""
    return PackLibrary()


def load_pack(pack_id: str, directory: Path | None = None) -> Pack:
    """One pack by id: from ``directory`` (then the shipped ones), or the shipped ones only."""
    if directory is None:
        return shipped_library().get(pack_id)
    return _library_for(Path(directory).resolve()).get(pack_id)


@cache
def _library_for(directory: Path) -> PackLibrary:
    return PackLibrary(directory)
