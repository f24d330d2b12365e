"""The Cedar policy against a plain-Python statement of intent: every combination of role set ×
clearance × classification × destroyed × ANBU × self × in-team × custodian, for every action.
If the policy file and the intent ever drift apart, this names the first case that differs."""
from __future__ import annotations

import itertools
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missiondesk.domain.access import Caller
from missiondesk.domain.ranks import Classification, Role
from missiondesk.services import authz

LEVELS = list(Classification)
ROLE_SETS = [frozenset(c) for n in range(5) for c in itertools.combinations(list(Role), n)]
SELF_ID, OTHER_ID = 7, 8

ACTIONS = [
    "viewMission", "readBrief", "destroyBrief", "writeBrief", "postMission", "addShinobi", "linkPartners",
    "grantClearance", "grantRoles", "authorizeMission", "assignTeam", "reportMission", "override",
    "logSleep", "readSleep", "checkFitness", "recordMedication", "readMedical", "restrictDuty",
    "liftRestriction", "placeHold", "liftHold", "recordInjury", "recordTreatment", "writeMedicalNote",
    "fileRestriction", "readAudit", "logGate", "viewCustody", "takeCustody", "requestAudience", "handOver",
    "decideAudience", "recommendTeam", "planBoard", "refitRisk", "sendAnyTeam", "grantAnbu", "logSleepAhead",
    "editShinobi", "editMission", "cancelMission", "reviewWelfare", "keepMedicDuty",
]


def intent(action: str, roles: frozenset[Role], clearance: int, anbu: bool, *, level: int = 0,
           destroyed: bool = False, own: bool = False, in_team: bool = False, custodian: bool = False) -> bool:
    """What the office wants, written plainly (CONTRACT.md and the issues)."""
    if action in ("readBrief", "destroyBrief") and destroyed:
        return False  # a burned brief is gone, for the hokage too
    hokage, council = Role.HOKAGE in roles, Role.COUNCIL in roles
    clerk, medic = Role.CLERK in roles, Role.MEDIC in roles
    if hokage:
        return True  # the hokage may do everything
    sees = council or clearance >= level
    return {
        "viewMission": sees, "readBrief": sees, "destroyBrief": sees,
        "writeBrief": clerk or council,
        "postMission": clerk, "editMission": clerk, "cancelMission": clerk,
        "addShinobi": clerk, "editShinobi": clerk, "linkPartners": clerk,
        "grantClearance": clerk and clearance >= level,
        "authorizeMission": council,
        "assignTeam": clerk or in_team, "reportMission": clerk or in_team, "sendAnyTeam": clerk,
        "recommendTeam": clerk, "planBoard": clerk,
        "logSleep": own or medic, "recordMedication": own or medic, "readMedical": own or medic,
        "readSleep": own or medic or clerk, "checkFitness": own or medic or clerk,
        "restrictDuty": medic, "liftRestriction": medic, "placeHold": medic, "liftHold": medic,
        "recordInjury": medic, "recordTreatment": medic, "writeMedicalNote": medic,
        "logGate": clerk or anbu,
        "viewCustody": anbu, "takeCustody": anbu, "requestAudience": anbu,
        "handOver": custodian,
        "reviewWelfare": medic, "keepMedicDuty": clerk or (medic and own),
    }.get(action, False)  # grantRoles, override, fileRestriction, readAudit, decideAudience, refitRisk,
    # grantAnbu, logSleepAhead: the hokage's alone


def caller(roles, clearance: int, anbu: bool) -> Caller:
    return Caller(account_id=1, username="someone", shinobi_id=SELF_ID, roles=roles, clearance=LEVELS[clearance],
                  divisions=frozenset({"anbu"}) if anbu else frozenset())


def resource(level: int, destroyed: bool, own: bool, custodian: bool) -> authz.Resource:
    number = SELF_ID if own else OTHER_ID
    return authz.Resource("Thing", f"{level}-{destroyed}-{own}-{custodian}",
                          {"classification": level, "destroyed": destroyed, "number": number,
                           "custodians": [SELF_ID] if custodian else [OTHER_ID]})


def test_the_policy_file_names_only_known_actions():
    text = resources.files("missiondesk.authz").joinpath("missiondesk.cedar").read_text()
    named = set(re.findall(r'Action::"(\w+)"', text))
    assert named <= set(ACTIONS), named - set(ACTIONS)


def test_no_policy_names_a_resource_by_its_id():
    """authz.decide_many decides resources alike in kind and attributes once: sound only while no policy looks
    at a resource's id (an entity literal such as Mission::"12", or resource == / in an entity)."""
    text = resources.files("missiondesk.authz").joinpath("missiondesk.cedar").read_text()
    code = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
    assert not re.search(r'\b(?!Action\b)[A-Z]\w*::"', code), "an entity named by id"
    assert not re.search(r"\bresource\s*(==|\bin\b)", code), "a resource compared by identity"


def test_deciding_alike_resources_once_gives_each_its_own_answer():
    """The same decisions, one by one and in a batch where many resources share their attributes."""
    who = caller(frozenset({Role.CLERK}), 1, False)
    missions = [authz.mission_resource(i, LEVELS[i % 4]) for i in range(1, 41)]
    people = [authz.shinobi_resource(i) for i in (SELF_ID, OTHER_ID, SELF_ID, 9)]
    for action, targets in (("viewMission", missions), ("assignTeam", missions), ("readMedical", people),
                            ("postMission", [authz.VILLAGE] * 3)):
        batch = authz.decide_many(who, action, targets, {"in_team": False})
        assert batch == [authz.decide(who, action, t, {"in_team": False}) for t in targets], action


@pytest.mark.slow  # about 44 s, nearly all of it in authz.decide_many and cedarpy: `pytest -m slow`; CI runs it
def test_every_combination_agrees_with_the_intent():
    resources_ = [(lvl, d, o, c) for lvl in range(4) for d in (False, True) for o in (False, True)
                  for c in (False, True)]
    targets = [resource(*r) for r in resources_]  # built once: decide_many only reads them
    checked, disagreements = 0, []
    for roles, clearance, anbu in itertools.product(ROLE_SETS, range(4), (False, True)):
        who = caller(roles, clearance, anbu)
        for action, in_team in itertools.product(ACTIONS, (False, True)):
            got = authz.decide_many(who, action, targets, {"in_team": in_team})
            for (lvl, d, o, c), decision in zip(resources_, got, strict=True):
                want = intent(action, roles, clearance, anbu, level=lvl, destroyed=d, own=o, in_team=in_team,
                              custodian=c)
                checked += 1
                if decision.allowed != want:
                    disagreements.append((action, sorted(roles), clearance, anbu, lvl, d, o, in_team, c))
    assert not disagreements, disagreements[:5]
    # 16 role sets × 4 clearances × 2 (ANBU) × 44 actions × 2 (in team) × 4 levels × 2 × 2 × 2
    assert checked == 16 * 4 * 2 * len(ACTIONS) * 2 * 4 * 2 * 2 * 2 == 360_448


def test_only_the_hokage_grants_are_marked_hokage_only():
    hokage = caller(frozenset({Role.HOKAGE}), 0, False)
    seen = authz.decide(hokage, "viewMission", resource(3, False, False, False))
    assert seen.allowed and seen.hokage_only
    cleared = authz.decide(caller(frozenset({Role.HOKAGE}), 3, False), "viewMission", resource(3, False, False, False))
    assert cleared.allowed and not cleared.hokage_only
    as_clerk_too = authz.decide(caller(frozenset({Role.HOKAGE, Role.CLERK}), 0, False), "postMission", authz.VILLAGE)
    assert as_clerk_too.allowed and not as_clerk_too.hokage_only


@settings(max_examples=300)
@given(st.sets(st.sampled_from(list(Role))), st.integers(0, 3), st.booleans(), st.sampled_from(ACTIONS),
       st.integers(0, 3), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
       st.sets(st.text(alphabet="abcxyz", min_size=1, max_size=5), max_size=3))
def test_other_divisions_and_context_change_nothing(roles, clearance, anbu, action, level, destroyed, own, in_team,
                                                    custodian, extra_divisions):
    """Beyond the exhaustive grid: unknown divisions never grant anything."""
    who = Caller(account_id=1, username="x", shinobi_id=SELF_ID, roles=frozenset(roles), clearance=LEVELS[clearance],
                 divisions=frozenset(extra_divisions | ({"anbu"} if anbu else set())))
    got = authz.decide(who, action, resource(level, destroyed, own, custodian), {"in_team": in_team}).allowed
    assert got == intent(action, frozenset(roles), clearance, anbu, level=level, destroyed=destroyed, own=own,
                         in_team=in_team, custodian=custodian)
