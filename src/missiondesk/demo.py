"""A demo village: the cast and the night of the incident, seeded through the services.

The demo runs on its own clock (MISSIONDESK_CLOCK), set to the dawn of its night, so that the
story reads the same whatever the hour it is started: the team came through the gate at 03:00,
the medic slept half an hour, at 06:20 she asked for the S-rank alone, and the clock starts at
06:25. The night is today's (UTC), or the day of MISSIONDESK_CLOCK when that is set.
"""
from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .clock import ShiftedClock, SystemClock
from .config import Settings
from .domain.errors import AssignmentRefused
from .domain.gate import Direction
from .domain.medical import RestrictionKind
from .domain.medical_records import Severity
from .domain.missions import Casualty, CasualtyStatus, Outcome
from .domain.ranks import Classification, MissionRank, Role, ShinobiRank
from .domain.risk import Threat
from .runtime import start
from .services import alerts, assignments, auth, custody, gate, medical, missions, reports, roster
from .services.gate import GateEntry

DAWN = timedelta(hours=6, minutes=25)  # the clock starts here, five minutes after her refused attempt


@dataclass(frozen=True)
class DemoLogins:
    password: str
    accounts: list[tuple[str, str]]
    settings: Settings  # to serve the demo with: its database, and its clock set to the dawn


def demo_dawn(settings: Settings) -> datetime:
    """The instant the demo's clock starts: MISSIONDESK_CLOCK when set, else 06:25 UTC today."""
    if isinstance(settings.clock, SystemClock):
        today = settings.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
        return today + DAWN
    return settings.clock.now()


def _fresh_sqlite(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def seed_demo(settings: Settings, dawn: datetime | None = None) -> DemoLogins:
    """Seed the demo village whose night ends at `dawn` (default: `demo_dawn`); the settings returned
    run the service on a clock that starts at that dawn."""
    _fresh_sqlite(settings.database_url)
    password = "demo-" + secrets.token_hex(6)
    dawn = dawn or demo_dawn(settings)
    settings = replace(settings, bootstrap_user="hokage", bootstrap_name="Tsunade", bootstrap_password=password,
                       clock=ShiftedClock(dawn))
    rt = start(settings)
    try:
        _seed(rt.uow, rt.policy, password, dawn)
    finally:
        rt.close()
    return DemoLogins(password=password, settings=settings, accounts=[
        ("hokage", "Tsunade, the Hokage"), ("sakura", "the medic, back at 03:00"),
        ("kakashi", "her partner"), ("shizune", "a medic"), ("iruka", "the mission clerk"),
        ("homura", "council"), ("koharu", "council"), ("konohamaru", "a genin")])


def _seed(uow, policy, password: str, dawn: datetime) -> None:
    night = dawn.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def t(days: float, hours: float = 0, minutes: float = 0) -> datetime:
        return night + timedelta(days=days, hours=hours, minutes=minutes)

    hokage = auth.caller_for_username(uow, "hokage")
    clock = t(-120)

    def person(name, rank, clearance="public", divisions=(), specialties=(), username=None, roles=()):
        account = roster.NewAccount(username, password, tuple(roles)) if username else None
        return roster.add_shinobi(uow, hokage, roster.AddShinobi(
            name=name, rank=ShinobiRank(rank), clearance=Classification(clearance), divisions=tuple(divisions),
            specialties=tuple(specialties), account=account), clock).id

    sakura = person("Haruno Sakura", "jonin", "top_secret", ["anbu", "medical"], ["medical-ninjutsu"],
                    "sakura", [Role.MEDIC])
    kakashi = person("Hatake Kakashi", "jonin", "top_secret", ["anbu"], ["sensor"], "kakashi")
    roster.link_partners(uow, hokage, sakura, kakashi, clock)
    shizune = person("Shizune", "jonin", "secret", ["medical"], ["medical-ninjutsu"], "shizune", [Role.MEDIC])
    person("Umino Iruka", "chunin", "confidential", [], [], "iruka", [Role.CLERK])
    homura_id = person("Mitokado Homura", "jonin", "top_secret", [], [], "homura", [Role.COUNCIL])
    koharu_id = person("Utatane Koharu", "jonin", "top_secret", [], [], "koharu", [Role.COUNCIL])
    person("Sarutobi Konohamaru", "genin", "public", [], [], "konohamaru")
    yamato = person("Yamato", "jonin", "secret", ["anbu"], ["wood-release"])
    sai = person("Sai", "jonin", "secret", ["anbu"], ["sensor"])
    squad = [person(f"ANBU squadmate {i}", "jonin", "top_secret", ["anbu"]) for i in range(1, 14)]
    guards = [person(f"ANBU gate guard {i}", "jonin", "top_secret", ["anbu"]) for i in range(1, 7)]
    homura = auth.caller_for_username(uow, "homura")
    koharu = auth.caller_for_username(uow, "koharu")
    assert homura.shinobi_id == homura_id and koharu.shinobi_id == koharu_id

    # four months ago: the outpost where her squad of thirteen died
    outpost = missions.post_mission(uow, hokage, missions.PostMission(
        "Relieve the northern outpost", MissionRank.A, "defense", Classification.SECRET, min_team_size=4,
        posted_at=t(-140)), t(-140)).mission.id
    missions.authorize_mission(uow, hokage, outpost, t(-140, 2))
    assignments.assign_team(uow, hokage, outpost, assignments.AssignTeam((sakura, *squad), t(-135)), t(-136), policy)
    reports.file_report(uow, hokage, outpost, reports.FileReport(
        Outcome.FAILURE, t(-127), "The outpost was overrun. One survivor.",
        tuple(Casualty(s, CasualtyStatus.KIA) for s in squad)), t(-127))

    # the board: the S-rank posted two months ago, signed by the elders
    target = missions.post_mission(uow, hokage, missions.PostMission(
        "Strike back at the lightning nin", MissionRank.S, "assassination", Classification.TOP_SECRET,
        reward_ryo=3_000_000, min_team_size=2, posted_at=t(-60), threat=Threat.JONIN, threat_count=6,
        description="Untraceable. Authorised by the council."), t(-60)).mission.id
    missions.authorize_mission(uow, homura, target, t(-60, 3))
    missions.authorize_mission(uow, koharu, target, t(-60, 4))
    for title, rank, kind, reward, days in (("Weed the Yamanaka greenhouse", "D", "chores", 8_000, -3),
                                            ("Escort the merchant caravan to Tanzaku", "B", "escort", 120_000, -10),
                                            ("Find the daimyo's wife's cat", "D", "retrieval", 6_000, -45)):
        missions.post_mission(uow, hokage, missions.PostMission(title, MissionRank(rank), kind, reward_ryo=reward,
                                                                posted_at=t(days)), t(days))

    # the escort mission: out a week ago, back through the gate at 03:00
    escort = missions.post_mission(uow, hokage, missions.PostMission(
        "Bring in the defecting agent", MissionRank.B, "escort", Classification.SECRET, min_team_size=2,
        posted_at=t(-13)), t(-13)).mission.id
    assignments.assign_team(uow, hokage, escort, assignments.AssignTeam((sakura, kakashi), t(-7, 6)), t(-7, 5), policy)
    gate.log_gate(uow, hokage, GateEntry(Direction.OUT, t(-7, 6), (sakura, kakashi)), t(-7, 6), policy=policy)
    sakura_c = auth.caller_for_username(uow, "sakura")
    kakashi_c = auth.caller_for_username(uow, "kakashi")
    for day in range(-7, 0):
        medical.log_sleep(uow, sakura_c, sakura, t(day, 1), t(day, 5), t(day, 6), policy=policy)
        medical.log_sleep(uow, kakashi_c, kakashi, t(day, 2), t(day, 4, 30), t(day, 6), policy=policy)
    agent = custody.take_into_custody(uow, kakashi_c, custody.Intake(
        "Foreign agent", t(-2, 18), (sakura, kakashi), origin="Hidden Cloud, by her own account"), t(-2, 18)).id
    gate.log_gate(uow, hokage, GateEntry(Direction.IN, t(0, 3), (sakura, kakashi), (agent,)), t(0, 3), policy=policy)
    custody.transfer(uow, kakashi_c, agent, tuple(guards), t(0, 3, 1), t(0, 3, 1))
    custody.request_audience(uow, kakashi_c, agent, "hokage", t(0, 3, 2), t(0, 3, 2))
    reports.file_report(uow, sakura_c, escort, reports.FileReport(
        Outcome.SUCCESS, t(0, 3, 40), "Agent delivered to the ANBU at the gate.",
        specimens=("flower samples from the border",)), t(0, 3, 40))
    medical.add_restriction(uow, hokage, sakura, medical.AddRestriction(
        RestrictionKind.REST, "chakra pathway damage, left shoulder", t(0, 3, 40)), t(0, 3, 41), policy=policy)
    medical.add_restriction(uow, sakura_c, kakashi, medical.AddRestriction(
        RestrictionKind.REST, "Sharingan strain, bleeding", t(0, 4, 30)), t(0, 4, 31), policy=policy)
    shoulder = medical.add_injury(uow, hokage, sakura, medical.AddInjury(
        "left shoulder", "chakra pathway damage from a jutsu", Severity.SERIOUS, t(-3, 15)), t(0, 3, 45))
    medical.add_treatment(uow, hokage, sakura, "healing_session", t(0, 3, 50), shoulder.id, None, t(0, 4))
    eye = medical.add_injury(uow, sakura_c, kakashi, medical.AddInjury(
        "left eye", "Sharingan strain, bleeding", Severity.MODERATE, t(0, 4, 20)), t(0, 4, 25))
    for minutes in (0, 40):
        medical.add_medication(uow, sakura_c, sakura, medical.AddMedication(
            "chakra_pill", 1, "pill", t(-1, 20, minutes)), t(0, 4))
    medical.add_note(uow, sakura_c, kakashi, "Told to rest; bandaged the eye.", t(0, 4, 30), t(0, 4, 31))
    assert eye
    medical.log_sleep(uow, kakashi_c, kakashi, t(0, 4, 45), t(0, 5, 50), t(0, 5, 51), policy=policy)
    medical.log_sleep(uow, sakura_c, sakura, t(0, 5), t(0, 5, 30), t(0, 5, 31), policy=policy)
    for s in (yamato, sai):  # rested: a week of nights, 22:00 to 06:00, the last one this morning
        for day in range(-6, 1):
            medical.log_sleep(uow, hokage, s, t(day, -2), t(day, 6), t(day, 6, 5), policy=policy)

    # Shizune is the medic on call tonight: if nobody acknowledges the partner's alert, it climbs to her
    alerts.add_medic_shift(uow, hokage, shizune, t(0, 0), t(0, 12), t(0, 0, 5))

    # dawn: she asks for the S-rank alone; the desk refuses and tells her partner
    with contextlib.suppress(AssignmentRefused):
        assignments.assign_team(uow, sakura_c, target, assignments.AssignTeam((sakura,), t(0, 6, 30)), t(0, 6, 20),
                                policy)
