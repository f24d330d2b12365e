"""Service rules on the in-memory unit of work (tests/fake_uow.py): the real use cases (missions, the roster, the
gate, custody), their refusals and codes, the audit entries they write, and that a refusal writes nothing. No
database, no HTTP: each test runs in milliseconds. The same rules through the API, on both engines, are in
tests/integration/ (test_mission_edits.py, test_roster_changes.py, test_custody_gate_medical.py)."""
from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from missiondesk.domain.audit import verify
from missiondesk.domain.custody import AudienceStatus, DetaineeStatus
from missiondesk.domain.errors import AssignmentRefused, Conflict, DomainError, Forbidden, Invalid, NotFound
from missiondesk.domain.fitness import FitnessPolicy
from missiondesk.domain.gate import Direction
from missiondesk.domain.medical import RestrictionKind, RestrictionStatus
from missiondesk.domain.ranks import Classification, MissionRank, MissionStatus, Role, ShinobiRank, ShinobiStatus
from missiondesk.domain.roster import AssignmentStatus
from missiondesk.services import assignments, custody, gate, missions, ports, roster

from .. import fake_uow
from ..fake_uow import FakeUnitOfWork

NOW = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)
POLICY = FitnessPolicy()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(NOW)


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def unchanged(uow: FakeUnitOfWork, code: str, call, *args, **kwargs) -> DomainError:
    """Refused with `code`, and nothing committed (the authorisation notes of a denial go to the journal)."""
    before, commits = uow.committed.copy(), uow.commits
    error = refused(code, call, *args, **kwargs)
    assert uow.commits == commits and vars(uow.committed) == vars(before)
    return error


def test_the_fake_keeps_only_what_is_committed(uow: FakeUnitOfWork):
    """As the SQL unit of work: a transaction sees its own writes; others see them once committed; a transaction
    left without committing leaves nothing."""
    with uow.begin(write=True) as tx:
        sid = tx.shinobi.add(name="Shino", rank=ShinobiRank.CHUNIN, clearance=Classification.PUBLIC, divisions=[],
                             specialties=[], now=NOW)
        assert tx.shinobi.get(sid) is not None and uow.committed.shinobi == {}
    assert uow.committed.shinobi == {} and uow.commits == 0
    with uow.begin(write=True) as tx:
        sid = tx.shinobi.add(name="Shino", rank=ShinobiRank.CHUNIN, clearance=Classification.PUBLIC, divisions=[],
                             specialties=[], now=NOW)
        tx.commit()
        tx.shinobi.set_status([sid], ShinobiStatus.RETIRED)  # after the commit, and never committed
    assert uow.committed.shinobi[sid].status is ShinobiStatus.ACTIVE and uow.commits == 1
    with uow.begin(write=False) as tx:
        assert tx.shinobi.get(sid) == uow.committed.shinobi[sid]
        with pytest.raises(AssertionError):
            tx.commit()  # a read-only use case does not commit


FAKES = [(fake_uow.FakeShinobi, ports.ShinobiRepo), (fake_uow.FakeAccounts, ports.AccountRepo),
         (fake_uow.FakeMissions, ports.MissionRepo), (fake_uow.FakeAssignments, ports.AssignmentRepo),
         (fake_uow.FakeAlerts, ports.AlertRepo), (fake_uow.FakeContacts, ports.ContactRepo),
         (fake_uow.FakeOutbox, ports.OutboxRepo), (fake_uow.FakeRisk, ports.RiskRepo),
         (fake_uow.FakeAudit, ports.AuditRepo), (fake_uow.FakeCustody, ports.CustodyRepo),
         (fake_uow.FakeGate, ports.GateRepo), (fake_uow.FakeMedical, ports.MedicalRepo)]


@pytest.mark.parametrize(("fake", "port"), FAKES, ids=[f.__name__ for f, _ in FAKES])
def test_each_fake_method_is_called_as_its_port_declares(fake, port):
    """Names, kinds and defaults of the parameters (the annotations are the port's, spelled alike): a service
    calling the fake calls the SQL repository the same way."""
    methods = [n for n, f in vars(fake).items() if callable(f) and not n.startswith("_")]
    assert methods
    for name in methods:
        ours, theirs = inspect.signature(getattr(fake, name)), inspect.signature(getattr(port, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
            [(p.name, p.kind, p.default) for p in theirs.parameters.values()], name


# -- missions ----------------------------------------------------------------------------------------------------
def test_posting_a_mission_sets_band_size_and_status_by_rank_and_audits_it(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK], clearance=Classification.CONFIDENTIAL)
    view = missions.post_mission(uow, clerk, missions.PostMission("  Guard the bridge ", MissionRank.C, "guard"),
                                 NOW)
    m = view.mission
    assert (m.title, m.status, m.posted_at) == ("Guard the bridge", MissionStatus.OPEN, NOW)
    assert uow.committed.missions[m.id] == m and view.assignment is None and view.suggested_reward
    [entry] = uow.audit("mission.created")
    assert (entry.actor, entry.target, entry.details) == (
        "clerk", f"mission:{m.id}", {"rank": "C", "classification": "public", "status": "open"})
    s = missions.post_mission(uow, clerk, missions.PostMission("Escort", MissionRank.S, "escort"), NOW).mission
    assert s.status is MissionStatus.PENDING_AUTHORIZATION
    assert verify(uow.committed.audit).ok


def test_posting_is_refused_with_its_code_and_writes_nothing(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK], clearance=Classification.CONFIDENTIAL)
    genin = uow.caller("genin", rank=ShinobiRank.GENIN)
    post = missions.PostMission
    unchanged(uow, "TITLE_REQUIRED", missions.post_mission, uow, clerk, post(" ", MissionRank.C, "guard"), NOW)
    unchanged(uow, "CLASSIFICATION_ABOVE_CLEARANCE", missions.post_mission, uow, clerk,
              post("Spy", MissionRank.C, "spy", classification=Classification.SECRET), NOW)
    unchanged(uow, "REWARD_OUT_OF_BAND", missions.post_mission, uow, clerk,
              post("Cheap", MissionRank.C, "guard", reward_ryo=5), NOW)
    unchanged(uow, "TEAM_SIZE_INVALID", missions.post_mission, uow, clerk,
              post("Nobody", MissionRank.C, "guard", min_team_size=0), NOW)
    error = unchanged(uow, "FORBIDDEN", missions.post_mission, uow, genin, post("Mine", MissionRank.D, "x"), NOW)
    assert isinstance(error, Forbidden)
    # the denial is on the record all the same, through the journal (the transaction did not commit)
    assert [(n["actor"], n["action"]) for n in uow.journal] == [("genin", "authz.denied")]


def test_an_s_rank_opens_after_the_signatures_it_needs_one_per_account(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    elders = [uow.caller(f"elder{i}", roles=[Role.COUNCIL]) for i in range(3)]
    m = missions.post_mission(uow, clerk, missions.PostMission("Escort", MissionRank.S, "escort"), NOW).mission
    unchanged(uow, "FORBIDDEN", missions.authorize_mission, uow, clerk, m.id, NOW)
    status = missions.authorize_mission(uow, elders[0], m.id, NOW).mission.status
    unchanged(uow, "ALREADY_AUTHORIZED", missions.authorize_mission, uow, elders[0], m.id, NOW)
    for elder in elders[1:]:
        if status is MissionStatus.OPEN:
            break
        status = missions.authorize_mission(uow, elder, m.id, NOW).mission.status
    assert status is MissionStatus.OPEN and uow.committed.missions[m.id].status is MissionStatus.OPEN
    assert len(uow.audit("mission.opened")) == 1
    signatures = [e.details["signatures"] for e in uow.audit("mission.authorized")]
    assert signatures == list(range(1, len(signatures) + 1))
    unchanged(uow, "AUTHORIZATION_NOT_NEEDED", missions.authorize_mission, uow, elders[-1], m.id, NOW)


def test_an_edit_records_from_and_to_of_what_changed_only(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK], clearance=Classification.CONFIDENTIAL)
    m = missions.post_mission(uow, clerk, missions.PostMission("Guard the bridge", MissionRank.C, "guard",
                                                               description="Old words"), NOW).mission
    edit = missions.EditMission(title="Guard the great bridge", reward_ryo=60_000, kind="guard",
                                classification=Classification.CONFIDENTIAL)
    edited = missions.edit_mission(uow, clerk, m.id, edit, NOW).mission
    assert (edited.title, edited.reward_ryo, edited.classification, edited.description) == (
        "Guard the great bridge", 60_000, Classification.CONFIDENTIAL, "Old words")
    [entry] = uow.audit("mission.edited")
    assert entry.details["changed"] == {"title": {"from": "Guard the bridge", "to": "Guard the great bridge"},
                                        "reward_ryo": {"from": m.reward_ryo, "to": 60_000},
                                        "classification": {"from": "public", "to": "confidential"}}
    # an empty description clears it; a field given as it is changes nothing and is not on the record
    missions.edit_mission(uow, clerk, m.id, missions.EditMission(description=" ", title=edited.title), NOW)
    assert uow.committed.missions[m.id].description is None
    assert set(uow.audit("mission.edited")[-1].details["changed"]) == {"description"}
    # nothing to change: no entry at all
    missions.edit_mission(uow, clerk, m.id, missions.EditMission(title=edited.title), NOW)
    assert len(uow.audit("mission.edited")) == 2


def test_an_edit_is_refused_with_its_code_and_writes_nothing(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK], clearance=Classification.CONFIDENTIAL)
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    genin = uow.caller("genin", rank=ShinobiRank.GENIN)
    m = missions.post_mission(uow, clerk, missions.PostMission("Guard", MissionRank.B, "guard"), NOW).mission
    edit = missions.edit_mission
    unchanged(uow, "FORBIDDEN", edit, uow, genin, m.id, missions.EditMission(title="Mine now"), NOW)
    unchanged(uow, "CLASSIFICATION_ABOVE_CLEARANCE", edit, uow, clerk, m.id,
              missions.EditMission(classification=Classification.SECRET), NOW)
    unchanged(uow, "REWARD_OUT_OF_BAND", edit, uow, clerk, m.id, missions.EditMission(reward_ryo=5), NOW)
    unchanged(uow, "TEAM_SIZE_INVALID", edit, uow, clerk, m.id, missions.EditMission(min_team_size=0), NOW)
    unchanged(uow, "TITLE_REQUIRED", edit, uow, clerk, m.id, missions.EditMission(title="  "), NOW)
    unchanged(uow, "THREAT_COUNT_INVALID", edit, uow, clerk, m.id, missions.EditMission(threat_count=-1), NOW)
    # a mission the clerk may not see does not exist for them, exactly as one that does not exist
    hidden = missions.post_mission(uow, hokage, missions.PostMission(
        "Secret", MissionRank.B, "spy", classification=Classification.SECRET), NOW).mission
    assert isinstance(unchanged(uow, "NOT_FOUND", edit, uow, clerk, hidden.id, missions.EditMission(title="x"), NOW),
                      NotFound)
    unchanged(uow, "NOT_FOUND", edit, uow, clerk, 999_999, missions.EditMission(title="x"), NOW)


def test_cancelling_declines_the_proposed_team_and_tells_its_members(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    m = missions.post_mission(uow, clerk, missions.PostMission("Guard", MissionRank.C, "guard"), NOW).mission
    a, b = uow.person("Konohamaru"), uow.person("Udon")
    with uow.seeding() as tx:
        proposal = tx.assignments.add(mission_id=m.id, shinobi_ids=[a, b], departs_at=NOW + timedelta(hours=2),
                                      by="konohamaru", justification=None, now=NOW,
                                      status=AssignmentStatus.PROPOSED, accepted_ids=[a])
    unchanged(uow, "REASON_REQUIRED", missions.cancel_mission, uow, clerk, m.id, " ", NOW)
    done = missions.cancel_mission(uow, clerk, m.id, " The client withdrew ", NOW).mission
    assert done.status is MissionStatus.CANCELLED
    assert uow.committed.assignments[proposal.id].status is AssignmentStatus.DECLINED
    told = sorted(x.recipient_id for x in uow.committed.alerts.values() if x.kind == "MISSION_CANCELLED")
    assert told == [a, b]
    [entry] = uow.audit("mission.cancelled")
    assert entry.details == {"reason": "The client withdrew", "status_before": "open",
                             "proposals_declined": [proposal.id]}
    unchanged(uow, "MISSION_NOT_CANCELLABLE", missions.cancel_mission, uow, clerk, m.id, "Again", NOW)
    unchanged(uow, "MISSION_NOT_EDITABLE", missions.edit_mission, uow, clerk, m.id,
              missions.EditMission(title="Again"), NOW)


def test_a_mission_waiting_for_authorisation_may_be_edited(uow: FakeUnitOfWork):
    """Moved from tests/integration/test_mission_edits.py (the same rule through the API, on both engines)."""
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    m = missions.post_mission(uow, hokage, missions.PostMission("Escort the daimyo", MissionRank.S, "escort",
                                                                reward_ryo=2_000_000, min_team_size=4), NOW).mission
    assert m.status is MissionStatus.PENDING_AUTHORIZATION
    edited = missions.edit_mission(uow, hokage, m.id, missions.EditMission(reward_ryo=3_000_000), NOW).mission
    assert (edited.reward_ryo, edited.status) == (3_000_000, MissionStatus.PENDING_AUTHORIZATION)
    assert uow.committed.missions[m.id] == edited


def test_the_hokage_cancels_a_mission_waiting_for_authorisation(uow: FakeUnitOfWork):
    """Moved from tests/integration/test_mission_edits.py: once cancelled, a signature is not needed (409 through
    the API, as test_assignments.py checks of an open mission)."""
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    elder = uow.caller("elder", roles=[Role.COUNCIL])
    m = missions.post_mission(uow, hokage, missions.PostMission("Hold the pass", MissionRank.A, "defense",
                                                                min_team_size=3), NOW).mission
    assert m.status is MissionStatus.PENDING_AUTHORIZATION
    done = missions.cancel_mission(uow, hokage, m.id, "The daimyo paid", NOW).mission
    assert done.status is MissionStatus.CANCELLED
    assert isinstance(unchanged(uow, "AUTHORIZATION_NOT_NEEDED", missions.authorize_mission, uow, elder, m.id, NOW),
                      Conflict)


# -- sending a team, and the gate judging it again ------------------------------------------------------------------
DEPART = NOW + timedelta(hours=4)


def rested(uow: FakeUnitOfWork, *names: str) -> list[int]:
    """Shinobi who slept 23:00-07:00 each of the seven nights before (the estimate's evidence)."""
    ids = [uow.person(n) for n in names]
    with uow.seeding() as tx:
        for sid in ids:
            for day in range(7, 14):
                start = datetime(2026, 3, day, 23, tzinfo=UTC)
                tx.shinobi.add_sleep(sid, start, start + timedelta(hours=8), None, NOW)
    return ids


def rest_order(uow: FakeUnitOfWork, sid: int, since: datetime) -> None:
    with uow.seeding() as tx:
        tx.medical.add_restriction(shinobi_id=sid, kind=RestrictionKind.REST, status=RestrictionStatus.FILED,
                                   reason="ordered to rest", starts_at=since, ends_at=None, by="medic", now=NOW)


def test_a_fit_team_is_sent_and_an_unfit_one_refused_with_the_refusal_kept(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    a, b = rested(uow, "Naruto", "Sasuke")
    post = missions.PostMission
    m = missions.post_mission(uow, clerk, post("Guard", MissionRank.C, "guard", min_team_size=2), NOW).mission
    sent = assignments.assign_team(uow, clerk, m.id, assignments.AssignTeam((a, b), DEPART), NOW, POLICY)
    assert (sent.status, sent.shinobi_ids) == (AssignmentStatus.ACTIVE, (a, b))
    assert uow.committed.missions[m.id].status is MissionStatus.ASSIGNED
    assert {uow.committed.shinobi[s].status for s in (a, b)} == {ShinobiStatus.ON_MISSION}
    assert [e.action for e in uow.audit()][-1] == "assignment.created"
    # one of another team is under a rest order: nobody goes, and the refusal is on the record (committed)
    c, d = rested(uow, "Sakura", "Sai")
    rest_order(uow, d, NOW - timedelta(hours=1))
    other = missions.post_mission(uow, clerk, post("Escort", MissionRank.C, "escort", min_team_size=2), NOW).mission
    commits = uow.commits
    error = refused("ASSIGNMENT_REFUSED", assignments.assign_team, uow, clerk, other.id,
                    assignments.AssignTeam((c, d), DEPART), NOW, POLICY)
    assert {(x["shinobi_id"], x["code"]) for x in error.details} == {(d, "MEDICAL_REST")}
    assert uow.commits == commits + 1
    [entry] = uow.audit("assignment.refused")
    assert entry.target == f"mission:{other.id}" and [r["code"] for r in entry.details["reasons"]] == [
        "MEDICAL_REST"]
    assert uow.committed.missions[other.id].status is MissionStatus.OPEN
    assert {uow.committed.shinobi[s].status for s in (c, d)} == {ShinobiStatus.ACTIVE}
    assert [x for x in uow.committed.assignments.values() if x.mission_id == other.id] == []
    # and a rest order after the booking: the gate judges the team again when they go out
    rest_order(uow, b, NOW)
    gone = gate.GateEntry(Direction.OUT, DEPART - timedelta(minutes=10), shinobi_ids=(a, b))
    error = refused("ASSIGNMENT_REFUSED", gate.log_gate, uow, clerk, gone, NOW, policy=POLICY)
    assert {(x["shinobi_id"], x["code"]) for x in error.details} == {(b, "MEDICAL_REST")}
    assert uow.committed.gate == [] and len(uow.audit("assignment.refused")) == 2  # nobody logged out
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    logged = gate.log_gate(uow, hokage, gate.GateEntry(Direction.OUT, gone.at, shinobi_ids=(a, b),
                                                       override_justification="the bridge falls otherwise"),
                           NOW, policy=POLICY)
    assert len(logged.event_ids) == 2 and uow.committed.assignments[sent.id].left_ids == (a, b)
    [override] = uow.audit("assignment.override")
    assert override.details["justification"] == "the bridge falls otherwise"
    assert verify(uow.committed.audit).ok


@settings(max_examples=40, deadline=None)
@given(rest_started=st.one_of(st.integers(0, 20), st.integers(0, 3 * 24 * 60)),  # minutes; near now, and any
       depart=st.one_of(st.integers(-16, 1), st.integers(-30 * 24 * 60, 30 * 24 * 60)),
       with_mate=st.booleans(), she_asks=st.booleans())
# the order recorded five minutes ago, the departure named ten minutes back: inside the grace, before the order
@example(rest_started=5, depart=-10, with_mate=False, she_asks=True)
@example(rest_started=5, depart=-10, with_mate=True, she_asks=False)
def test_a_shinobi_ordered_to_rest_is_never_sent_whatever_departure_is_chosen(rest_started, depart, with_mate,
                                                                                she_asks):
    """tests/integration/test_proposals.py's property through the API (6.6 s on SQLite), on the fake: for any
    departure a non-office caller may name, a shinobi under a rest order open at now is never sent: not alone,
    not proposed by a teammate and accepted, not by her own proposal accepted by a rested teammate."""
    uow = FakeUnitOfWork(NOW)
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    resting, mate = uow.caller("resting"), uow.caller("mate")
    with uow.seeding() as tx:
        tx.medical.add_restriction(shinobi_id=resting.shinobi_id, kind=RestrictionKind.REST,
                                   status=RestrictionStatus.RECOMMENDED, reason="ordered to rest",
                                   starts_at=NOW - timedelta(minutes=rest_started), ends_at=None, by="medic", now=NOW)
    m = missions.post_mission(uow, clerk, missions.PostMission("Weed the garden", MissionRank.D, "chore",
                                                               posted_at=datetime(2026, 1, 1, tzinfo=UTC)),
                              NOW).mission
    asker = resting if she_asks or not with_mate else mate
    team = (resting.shinobi_id, mate.shinobi_id) if with_mate else (resting.shinobi_id,)
    cmd = assignments.AssignTeam(team, NOW + timedelta(minutes=depart))
    try:
        a = assignments.assign_team(uow, asker, m.id, cmd, NOW, POLICY)
    except (AssignmentRefused, Conflict, Invalid):  # 409 or 422 through the API
        pass
    else:
        assert a.status is AssignmentStatus.PROPOSED, a
        with pytest.raises((AssignmentRefused, Conflict, Invalid)):
            assignments.accept_proposal(uow, mate if asker is resting else resting, a.id, NOW, POLICY)
    assert uow.committed.missions[m.id].status is MissionStatus.OPEN
    assert uow.committed.shinobi[resting.shinobi_id].status is ShinobiStatus.ACTIVE


# -- the roster ---------------------------------------------------------------------------------------------------
def test_adding_a_shinobi_with_an_account_audits_both(uow: FakeUnitOfWork):
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    cmd = roster.AddShinobi("Rock Lee", ShinobiRank.CHUNIN, divisions=("taijutsu", "taijutsu"),
                            account=roster.NewAccount("lee", "a long enough passphrase 77", (Role.MEDIC,)))
    s = roster.add_shinobi(uow, hokage, cmd, NOW)
    assert (s.name, s.status, s.divisions, s.username) == ("Rock Lee", ShinobiStatus.ACTIVE, ("taijutsu",), "lee")
    assert [e.action for e in uow.audit()][-2:] == ["shinobi.created", "account.created"]
    assert uow.audit("account.created")[0].details == {"username": "lee", "roles": ["medic"]}
    unchanged(uow, "USERNAME_TAKEN", roster.add_shinobi, uow, hokage,
              roster.AddShinobi("Another Lee", ShinobiRank.GENIN,
                                account=roster.NewAccount("lee", "another long passphrase 78")), NOW)


@pytest.mark.parametrize(("password", "code"), [
    ("password", "PASSWORD_TOO_COMMON"), ("Password2026!", "PASSWORD_TOO_COMMON"),
    ("qwertyuiop", "PASSWORD_TOO_COMMON"), ("konohagakure1", "PASSWORD_TOO_COMMON"),
    ("aaaaaaaaaaaa", "PASSWORD_TOO_COMMON"), ("short", "PASSWORD_TOO_SHORT"),
    ("itachi-uchiha-99", "PASSWORD_CONTAINS_USERNAME"),
])
def test_weak_passwords_are_refused(uow: FakeUnitOfWork, password, code):
    """The cases of tests/integration/test_secrecy_and_audit.py (one API round trip each, on both engines)."""
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    unchanged(uow, code, roster.add_shinobi, uow, hokage,
              roster.AddShinobi("Itachi", ShinobiRank.JONIN, account=roster.NewAccount("itachi", password)), NOW)


def test_a_clerk_grants_no_more_than_they_hold(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK], clearance=Classification.CONFIDENTIAL)
    add = roster.add_shinobi
    unchanged(uow, "NAME_REQUIRED", add, uow, clerk, roster.AddShinobi(" ", ShinobiRank.GENIN), NOW)
    unchanged(uow, "FORBIDDEN", add, uow, clerk,
              roster.AddShinobi("Spy", ShinobiRank.GENIN, clearance=Classification.SECRET), NOW)
    unchanged(uow, "FORBIDDEN", add, uow, clerk, roster.AddShinobi("Mask", ShinobiRank.GENIN, divisions=("ANBU",)),
              NOW)
    unchanged(uow, "FORBIDDEN", add, uow, clerk, roster.AddShinobi(
        "Medic", ShinobiRank.GENIN, account=roster.NewAccount("medic2", "a long enough passphrase 77", (Role.MEDIC,))),
        NOW)
    ok = add(uow, clerk, roster.AddShinobi("Tenten", ShinobiRank.GENIN, clearance=Classification.CONFIDENTIAL), NOW)
    assert uow.committed.shinobi[ok.id].clearance is Classification.CONFIDENTIAL


def test_changing_a_shinobi_audits_the_new_values_and_guards_roles_and_the_anbu(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK], clearance=Classification.CONFIDENTIAL)
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    sid = uow.person("Neji", rank=ShinobiRank.CHUNIN)
    s = roster.change_shinobi(uow, clerk, sid, roster.ChangeShinobi(name=" Neji Hyuga ", rank=ShinobiRank.JONIN,
                                                                    specialties=("byakugan", "byakugan")),
                              NOW, policy=POLICY)
    assert (s.name, s.rank, s.specialties) == ("Neji Hyuga", ShinobiRank.JONIN, ("byakugan",))
    assert uow.audit("shinobi.changed")[0].details == {"name": "Neji Hyuga", "rank": "jonin",
                                                      "specialties": ["byakugan"]}
    change = roster.change_shinobi
    unchanged(uow, "NAME_REQUIRED", change, uow, clerk, sid, roster.ChangeShinobi(name=""), NOW, policy=POLICY)
    unchanged(uow, "NOT_FOUND", change, uow, clerk, 999, roster.ChangeShinobi(name="x"), NOW, policy=POLICY)
    unchanged(uow, "FORBIDDEN", change, uow, clerk, hokage.shinobi_id, roster.ChangeShinobi(name="x"), NOW,
              policy=POLICY)  # an account holding a role is the hokage's to change
    anbu = uow.person("Yamato", divisions=["anbu"])
    unchanged(uow, "FORBIDDEN", change, uow, clerk, anbu, roster.ChangeShinobi(divisions=()), NOW, policy=POLICY)
    # a clerk changes only whom he could have created: no one cleared above him, no clearance above his own
    secret = uow.person("Secret", clearance=Classification.SECRET)
    unchanged(uow, "FORBIDDEN", change, uow, clerk, secret, roster.ChangeShinobi(rank=ShinobiRank.CHUNIN), NOW,
              policy=POLICY)
    unchanged(uow, "FORBIDDEN", change, uow, clerk, sid, roster.ChangeShinobi(clearance=Classification.SECRET), NOW,
              policy=POLICY)
    genin = uow.caller("genin", rank=ShinobiRank.GENIN)
    unchanged(uow, "FORBIDDEN", change, uow, genin, sid, roster.ChangeShinobi(name="x"), NOW, policy=POLICY)
    change(uow, hokage, anbu, roster.ChangeShinobi(divisions=()), NOW, policy=POLICY)
    assert uow.committed.shinobi[anbu].divisions == ()


def test_partners_are_linked_both_ways_once(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    a, b = uow.person("Asuma"), uow.person("Kurenai")
    s, created = roster.link_partners(uow, clerk, a, b, NOW)
    assert created and s.partner_ids == (b,) and uow.committed.shinobi[b].partner_ids == (a,)
    commits = uow.commits
    assert roster.link_partners(uow, clerk, b, a, NOW)[1] is False
    assert len(uow.audit("shinobi.partners_linked")) == 1 and uow.commits == commits + 1
    unchanged(uow, "PARTNER_SELF", roster.link_partners, uow, clerk, a, a, NOW)
    unchanged(uow, "NOT_FOUND", roster.link_partners, uow, clerk, a, 999, NOW)


# -- the gate -----------------------------------------------------------------------------------------------------
def test_the_gate_logs_and_flags_a_departure_of_someone_already_out(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    a, b = uow.person("Kakashi"), uow.person("Guy")
    earlier = NOW - timedelta(hours=1)
    out = gate.log_gate(uow, clerk, gate.GateEntry(Direction.OUT, earlier, shinobi_ids=(a,)), NOW, policy=POLICY)
    assert out.flags == ()
    again = gate.log_gate(uow, clerk, gate.GateEntry(Direction.OUT, NOW, shinobi_ids=(a, b)), NOW, policy=POLICY)
    assert again.flags == (gate.GateFlag("ALREADY_OUTSIDE", shinobi_id=a),)
    assert [r.flagged for r in uow.committed.gate] == [None, "ALREADY_OUTSIDE", None]
    back = gate.log_gate(uow, clerk, gate.GateEntry(Direction.IN, NOW, shinobi_ids=(b,)), NOW, policy=POLICY)
    assert back.flags == ()
    assert [(e.action, e.target, e.details["flagged"]) for e in uow.audit()] == [
        ("gate.out", f"shinobi:{a}", None), ("gate.out", f"shinobi:{a}", "ALREADY_OUTSIDE"),
        ("gate.out", f"shinobi:{b}", None), ("gate.in", f"shinobi:{b}", None)]
    # someone never logged is inside: an arrival is flagged
    c = uow.person("Iruka")
    flagged = gate.log_gate(uow, clerk, gate.GateEntry(Direction.IN, NOW, shinobi_ids=(c,)), NOW, policy=POLICY)
    assert flagged.flags == (gate.GateFlag("ALREADY_INSIDE", shinobi_id=c),)


def test_the_gate_refuses_an_empty_or_doubled_entry_and_unknown_people(uow: FakeUnitOfWork):
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    genin = uow.caller("genin", rank=ShinobiRank.GENIN)
    a = uow.person("Kakashi")
    log = gate.log_gate
    unchanged(uow, "GATE_EMPTY", log, uow, clerk, gate.GateEntry(Direction.OUT, NOW), NOW, policy=POLICY)
    unchanged(uow, "GATE_DUPLICATE", log, uow, clerk, gate.GateEntry(Direction.OUT, NOW, shinobi_ids=(a, a)), NOW,
              policy=POLICY)
    unchanged(uow, "NOT_FOUND", log, uow, clerk, gate.GateEntry(Direction.OUT, NOW, shinobi_ids=(a, 999)), NOW,
              policy=POLICY)
    unchanged(uow, "NOT_FOUND", log, uow, clerk, gate.GateEntry(Direction.IN, NOW, detainee_ids=(7,)), NOW,
              policy=POLICY)
    unchanged(uow, "FORBIDDEN", log, uow, genin, gate.GateEntry(Direction.OUT, NOW, shinobi_ids=(a,)), NOW,
              policy=POLICY)
    unchanged(uow, "FORBIDDEN", log, uow, clerk, gate.GateEntry(Direction.OUT, NOW, shinobi_ids=(a,),
                                                                override_justification="urgent"), NOW,
              policy=POLICY)  # an override is the hokage's alone


def test_a_detainee_starts_where_the_intake_was(uow: FakeUnitOfWork):
    anbu = uow.caller("anbu", divisions=["anbu"])
    escort = uow.person("Yamato", divisions=["anbu"])
    outside = custody.take_into_custody(uow, anbu, custody.Intake("Kabuto", NOW, (escort,)), NOW)
    inside = custody.take_into_custody(uow, anbu, custody.Intake("Orochimaru", NOW, (escort,), in_village=True),
                                       NOW)
    logged = gate.log_gate(uow, anbu, gate.GateEntry(Direction.IN, NOW, detainee_ids=(outside.id, inside.id)), NOW,
                           policy=POLICY)
    assert logged.flags == (gate.GateFlag("ALREADY_INSIDE", detainee_id=inside.id),)


# -- custody ------------------------------------------------------------------------------------------------------
def test_custody_from_intake_to_release(uow: FakeUnitOfWork):
    anbu = uow.caller("anbu", divisions=["anbu"])
    hokage = uow.caller("hokage", roles=[Role.HOKAGE], clearance=Classification.TOP_SECRET)
    escort, relief = uow.person("Yamato", divisions=["anbu"]), uow.person("Ibiki", divisions=["anbu"])
    d = custody.take_into_custody(uow, anbu, custody.Intake(" Kabuto ", NOW, (escort,), origin="Oto"), NOW)
    assert (d.name, d.status, d.custodian_ids) == ("Kabuto", DetaineeStatus.HELD, (escort,))
    assert uow.audit("custody.intake")[0].details["custodian_ids"] == [escort]
    # only the custodians (or the hokage) hand them on: the ANBU who took them in is not one
    unchanged(uow, "FORBIDDEN", custody.transfer, uow, anbu, d.id, (relief,), NOW + timedelta(hours=1), NOW)
    moved = custody.transfer(uow, hokage, d.id, (relief,), NOW + timedelta(hours=1), NOW)
    assert moved.custodian_ids == (relief,)
    assert uow.audit("custody.transfer")[0].details == {"at": str(NOW + timedelta(hours=1)), "from_ids": [escort],
                                                        "to_ids": [relief]}
    unchanged(uow, "CUSTODY_UNCHANGED", custody.transfer, uow, hokage, d.id, (relief,), NOW + timedelta(hours=2),
              NOW)
    unchanged(uow, "CUSTODY_TIME_BEFORE_LAST_LINK", custody.transfer, uow, hokage, d.id, (escort,), NOW, NOW)
    # an audience request tells the hokage; the hokage decides it once
    asked = custody.request_audience(uow, anbu, d.id, "hokage", NOW + timedelta(hours=2), NOW)
    [request] = asked.audience_requests
    [alert] = [a for a in uow.committed.alerts.values() if a.kind == "AUDIENCE_REQUEST"]
    assert alert.recipient_id == hokage.shinobi_id and f"(request {request.id})" in alert.message
    unchanged(uow, "FORBIDDEN", custody.decide_audience, uow, anbu, d.id, request.id, AudienceStatus.GRANTED,
              NOW + timedelta(hours=3), None, NOW)
    custody.decide_audience(uow, hokage, d.id, request.id, AudienceStatus.GRANTED, NOW + timedelta(hours=3), None,
                            NOW)
    unchanged(uow, "AUDIENCE_ALREADY_DECIDED", custody.decide_audience, uow, hokage, d.id, request.id,
              AudienceStatus.DECLINED, NOW + timedelta(hours=4), None, NOW)
    released = custody.end_custody(uow, hokage, d.id, DetaineeStatus.RELEASED, NOW + timedelta(hours=5), "done", NOW)
    assert released.status is DetaineeStatus.RELEASED and released.custodian_ids == ()
    unchanged(uow, "DETAINEE_NOT_HELD", custody.end_custody, uow, hokage, d.id, DetaineeStatus.RELEASED,
              NOW + timedelta(hours=6), None, NOW)
    assert verify(uow.committed.audit).ok


def test_custody_is_the_anbus_and_its_custodians_must_be_able_to_hold(uow: FakeUnitOfWork):
    anbu = uow.caller("anbu", divisions=["anbu"])
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    escort = uow.person("Yamato", divisions=["anbu"])
    plain, fallen = uow.person("Iruka"), uow.person("Hayate", divisions=["anbu"], status=ShinobiStatus.KIA)
    take = custody.take_into_custody
    unchanged(uow, "FORBIDDEN", take, uow, clerk, custody.Intake("Kabuto", NOW, (escort,)), NOW)
    unchanged(uow, "NAME_REQUIRED", take, uow, anbu, custody.Intake(" ", NOW, (escort,)), NOW)
    unchanged(uow, "CUSTODIANS_REQUIRED", take, uow, anbu, custody.Intake("Kabuto", NOW, ()), NOW)
    unchanged(uow, "CUSTODIAN_DUPLICATE", take, uow, anbu, custody.Intake("Kabuto", NOW, (escort, escort)), NOW)
    unchanged(uow, "CUSTODIAN_NOT_ANBU", take, uow, anbu, custody.Intake("Kabuto", NOW, (plain,)), NOW)
    unchanged(uow, "CUSTODIAN_UNAVAILABLE", take, uow, anbu, custody.Intake("Kabuto", NOW, (fallen,)), NOW)
    unchanged(uow, "NOT_FOUND", take, uow, anbu, custody.Intake("Kabuto", NOW, (999,)), NOW)
    d = take(uow, anbu, custody.Intake("Kabuto", NOW, (escort,)), NOW)
    # to anyone else a detainee does not exist
    assert isinstance(unchanged(uow, "NOT_FOUND", custody.get_detainee, uow, clerk, d.id), NotFound)
    assert custody.list_detainees(uow, clerk) == [] and custody.list_detainees(uow, anbu) == [d]


def test_errors_are_the_domains(uow: FakeUnitOfWork):
    """The codes above are the domain's errors, as the web adapter maps them (a guard on `refused`)."""
    clerk = uow.caller("clerk", roles=[Role.CLERK])
    with pytest.raises(Invalid):
        missions.post_mission(uow, clerk, missions.PostMission("", MissionRank.D, "x"), NOW)
    m = missions.post_mission(uow, clerk, missions.PostMission("Walk the dog", MissionRank.D, "chore"), NOW).mission
    missions.cancel_mission(uow, clerk, m.id, "done", NOW)
    with pytest.raises(Conflict):
        missions.cancel_mission(uow, clerk, m.id, "again", NOW)
