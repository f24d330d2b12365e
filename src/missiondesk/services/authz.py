"""The one authorization policy of the service: Cedar, read from `authz/missiondesk.cedar`.

Default-deny; a `forbid` beats every `permit`. The service asks `allowed`/`require` with the
caller, an action name and a resource; what the caller may not see raises `Hidden` (a 404,
exactly as if it did not exist), what the caller's role may not do raises `Forbidden` (403).
Every denial is audited (`authz.denied`), and so is every sensitive read that `require` lets through
(`medical.read`, `custody.read`; a brief's read is `brief.read`, written by the briefs service), saying
whether only the hokage's role allowed it. Other permits are not: a change has its own entry, and a
yes/no question or a filtered list reveals nothing worth an entry (the first release wrote one for each of
the hokage's page views, 54 % of the demo's log). The notes go with the caller's transaction when it
commits, and otherwise to the security journal, off the request path, so that a denial costs what a miss
costs (adapters/db/journal.py).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import cedarpy

from ..domain.access import Caller
from ..domain.errors import Forbidden, NotFound
from ..domain.ranks import Classification
from .unit_of_work import Transaction

POLICY_FILE = "missiondesk.cedar"
HOKAGE_PREFIX = "hokage-"


class Hidden(NotFound):
    """Not found, because the caller may not know it exists (audited as a denial)."""


@dataclass(frozen=True)
class Resource:
    kind: str
    id: str
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return f"{self.kind.lower()}:{self.id}"


VILLAGE = Resource("Office", "village")


def mission_resource(mission_id: int, classification: Classification) -> Resource:
    return Resource("Mission", str(mission_id), {"classification": classification.order})


def brief_resource(mission_id: int, classification: Classification, destroyed: bool) -> Resource:
    return Resource("Brief", str(mission_id), {"classification": classification.order, "destroyed": destroyed})


def shinobi_resource(shinobi_id: int) -> Resource:
    return Resource("Shinobi", str(shinobi_id), {"number": shinobi_id})


def detainee_resource(detainee_id: int) -> Resource:
    return Resource("Detainee", str(detainee_id))


@cache
def policy_text() -> str:
    return resources.files("missiondesk.authz").joinpath(POLICY_FILE).read_text()


@cache
def _policies() -> tuple[cedarpy.PolicySet, dict[str, str]]:
    text = policy_text()
    names = {k: (v.get("annotations") or {}).get("id", k)
             for k, v in json.loads(cedarpy.policies_to_json_str(text))["staticPolicies"].items()}
    return cedarpy.PolicySet.from_str(text), names


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policies: tuple[str, ...]  # the @id of each policy that decided

    @property
    def hokage_only(self) -> bool:
        return self.allowed and bool(self.policies) and all(p.startswith(HOKAGE_PREFIX) for p in self.policies)


def _principal(caller: Caller) -> dict[str, Any]:
    return {"uid": {"type": "Account", "id": caller.username},
            "attrs": {"roles": sorted(r.value for r in caller.roles), "clearance": caller.clearance.order,
                      "divisions": sorted(caller.divisions), "shinobi": caller.shinobi_id},
            "parents": []}


def decide_many(caller: Caller, action: str, targets: Sequence[Resource],
                context: dict[str, Any] | None = None) -> list[Decision]:
    if not targets:
        return []
    policies, names = _policies()
    # One request per distinct kind and attributes: no policy names a resource by its id (test_policy.py
    # holds the policy file to that), so resources alike in kind and attributes are decided alike. A board
    # of 2,300 missions is five requests, one per classification, not 2,300.
    alike: dict[tuple[str, str], int] = {}
    place = [alike.setdefault((r.kind, json.dumps(r.attrs, sort_keys=True)), len(alike)) for r in targets]
    first: dict[int, Resource] = {}
    for k, r in zip(place, targets, strict=True):
        first.setdefault(k, r)
    asked = list(first.values())  # in the order of `alike`'s numbers
    entities = [_principal(caller)] + [
        {"uid": {"type": r.kind, "id": r.id}, "attrs": r.attrs, "parents": []}
        for r in {(r.kind, r.id): r for r in asked}.values()]
    requests = [{"principal": {"type": "Account", "id": caller.username},
                 "action": {"type": "Action", "id": action},
                 "resource": {"type": r.kind, "id": r.id}, "context": context or {}} for r in asked]
    decided = []
    for answer in cedarpy.is_authorized_batch(requests, policies, entities):
        if answer.diagnostics.errors:
            raise RuntimeError(f"authorization policy error: {answer.diagnostics.errors}")
        decided.append(Decision(allowed=answer.allowed,
                                policies=tuple(names.get(p, p) for p in answer.diagnostics.reasons)))
    return [decided[k] for k in place]


def decide(caller: Caller, action: str, target: Resource, context: dict[str, Any] | None = None) -> Decision:
    return decide_many(caller, action, [target], context)[0]


# -- enforcement, with the audit trail -------------------------------------------------------------
def _note(tx: Transaction, caller: Caller, action: str, what: str, targets: Iterable[Resource], **details: Any) -> None:
    targets = list(targets)
    target = targets[0].target if len(targets) == 1 else None
    entry = {"actor": caller.username, "action": what, "target": target,
             "details": {"request": action, **({"targets": [t.target for t in targets]} if target is None else {}),
                         **details}}
    tx.record_security(entry)


# the reads an auditor must be able to account for, and the entry each leaves
SENSITIVE_READS = {"readMedical": "medical.read", "readSleep": "medical.read", "checkFitness": "medical.read",
                   "viewCustody": "custody.read"}


def require(tx: Transaction, caller: Caller, action: str, target: Resource = VILLAGE, *, hide: bool = False,
            context: dict[str, Any] | None = None, message: str | None = None) -> Decision:
    """Permit, or raise: `Hidden` (404) when `hide`, else `Forbidden` (403). Audited when denied, and when
    a sensitive read is let through."""
    d = decide(caller, action, target, context)
    if not d.allowed:
        _note(tx, caller, action, "authz.denied", [target], hidden=hide)
        if hide:
            raise Hidden(target.kind.lower(), int(target.id) if target.id.isdigit() else target.id)
        raise Forbidden(message or f"your role may not {_words(action)}")
    if action in SENSITIVE_READS:
        _note(tx, caller, action, SENSITIVE_READS[action], [target], hokage_only=d.hokage_only)
    return d


def allowed(tx: Transaction, caller: Caller, action: str, target: Resource,
            context: dict[str, Any] | None = None) -> bool:
    """A yes/no question: nothing was attempted, nothing is audited."""
    return decide(caller, action, target, context).allowed


def filter_allowed(tx: Transaction, caller: Caller, action: str, items: Sequence[Any], target_of: Any) -> list[Any]:
    """The items the caller may `action` (a list shows only what its reader may see; nothing is audited)."""
    decisions = decide_many(caller, action, [target_of(i) for i in items])
    return [i for i, d in zip(items, decisions, strict=True) if d.allowed]


def _words(action: str) -> str:
    out = "".join(" " + c.lower() if c.isupper() else c for c in action)
    return out.strip()
