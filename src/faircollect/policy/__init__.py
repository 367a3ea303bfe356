"""The compliance gate: a pure decision on whether one outbound collection action may happen.

``evaluate(pack, request, now) -> Decision`` (spec/policy.md) decides; callers
enforce and record. Packs are data (``policies/packs/<id>/pack.yaml``, JSON
Schema-checked, tests beside them) compiled once at load into closures over a
closed vocabulary of facts (``facts``) and operators (``operators``). This
package imports only ``faircollect.domain``, ``faircollect.content``, the
standard library, ``yaml``, ``jsonschema`` and ``msgspec``; it never sends, stores or serves.
"""

from __future__ import annotations

from faircollect.policy.evaluate import decide, decide_json, evaluate, evaluate_many, next_allowed_at
from faircollect.policy.model import Decision, Reason, Request, RuleHit
from faircollect.policy.pack import SHIPPED_DIR, Pack, PackError, PackLibrary, load_pack, shipped_library
from faircollect.policy.parse import parse_request, parse_request_json

__all__ = [
    "SHIPPED_DIR",
    "Decision",
    "Pack",
    "PackError",
    "PackLibrary",
    "Reason",
    "Request",
    "RuleHit",
    "decide",
    "decide_json",
    "evaluate",
    "evaluate_many",
    "load_pack",
    "next_allowed_at",
    "parse_request",
    "parse_request_json",
    "shipped_library",
]
