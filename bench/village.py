"""A village at scale, written in bulk straight into the tables, for benchmarks of every read.

  python bench/village.py --database sqlite:///tmp/village.db [--shinobi 10000] [--seed 1]
  python bench/village.py --database postgresql://127.0.0.1:5432/md_bench_x     (an empty database)

The database is migrated with the project's own entry point (`adapters.db.migrate.upgrade`, what `serve`
runs), must hold no shinobi yet, and is then filled with SQLAlchemy Core `insert()` executemany lists in
chunks, one transaction per table (not through the services: 4.4 ms a shinobi). Everything happens before
`NOW`, the incident's dawn (2026-03-14T06:20:00Z), the clock the benchmarks serve the village on
(MISSIONDESK_CLOCK). At 10,000 shinobi (everything else scales with --shinobi):

* 10,000 shinobi of every rank (1 % academy, 35 % genin, 35 % chunin, 10 % special jonin, 19 % jonin, the
  kage), clearances by rank, divisions (anbu, medical, intelligence, barrier corps) and specialties; statuses
  as the missions left them (about 2.5 % killed or missing on failed missions, 1 % retired, a few detained,
  about 3 % on a mission), the rest active;
* accounts for a sample of 300 with one argon2 hash (the project's `passwords.hash_password`, computed once,
  printed): hokage, clerk, clerk2, medic, medic2..medic8, council, council2, anbu, genin, jonin (on a mission),
  chunin, gate clerks, and `s<id>` for the rest; partners for 20 % (both directions);
* 2,300 missions: 2,000 closed over the last year, each with its team (assignment and members, the team's
  gate events, no one on two missions at once), an after-action report (80 % success, 15 % failure with its
  casualties: memorial, injuries, welfare holds and their reviews, 5 % aborted) and the A/S signatures; 300 on
  the board: 200 open (some stale), 20 waiting for signatures, 80 with a team sent (departed in the last five
  days, or leaving within 36 hours), briefs for some classified ones;
* 14 days of sleep for everyone alive (a night 95 % of days, a nap 8 %: ~140,000 episodes, non-overlapping);
  gate trips of hours to a week for half the roster in the last 14 days (some still out); rest orders and
  light duty for 5 %, welfare holds for 1.5 % more; medical records (injuries, treatments, doses, notes) for a
  few hundred; the medics' shifts; a dozen detainees with their chains of custody and audience requests;
  alerts for the sample accounts (duty-of-care ladders acknowledged, assignments at risk, welfare reviews due);
* 100,000 audit entries, the events above and sign-ins and sleep logs, in time order, hash-chained with the
  domain's own `canonical` and `chain_hash` (domain/audit.py), so that `missiondesk audit verify` holds.

Prints the rows and seconds per table and the total; then checks the village with the service's own reads in
process (roster, board, memorial, the audit chain). `build()` is what bench/reads.py calls.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import Engine, func, insert, select, text  # noqa: E402

from missiondesk.adapters.db import migrate  # noqa: E402
from missiondesk.adapters.db.session import make_engine  # noqa: E402
from missiondesk.adapters.db.tables import (  # noqa: E402
    AccountRow,
    AlertLadderRow,
    AlertRow,
    AssignmentMemberRow,
    AssignmentRow,
    AudienceRequestRow,
    AuditRow,
    AuthorizationRow,
    Base,
    BriefRow,
    CustodyCustodianRow,
    CustodyLinkRow,
    DetaineeRow,
    GateEventRow,
    InjuryRow,
    MedicalNoteRow,
    MedicationRow,
    MedicShiftRow,
    MemorialRow,
    MissionRow,
    PartnerRow,
    ReportRow,
    RestrictionRow,
    ShinobiRow,
    SleepEpisodeRow,
    TreatmentRow,
    WelfareHoldRow,
    WelfareReviewRow,
)
from missiondesk.config import normalise_url  # noqa: E402
from missiondesk.domain.alerts import WELFARE_REVIEWS  # noqa: E402
from missiondesk.domain.audit import GENESIS, canonical, chain_hash  # noqa: E402
from missiondesk.domain.fatigue import HISTORY_WINDOW  # noqa: E402
from missiondesk.domain.ranks import (  # noqa: E402
    AUTHORIZATIONS_NEEDED,
    DEFAULT_TEAM_SIZE,
    MIN_SHINOBI_RANK,
    REWARD_BANDS,
    Classification,
    MissionRank,
    ShinobiRank,
)
from missiondesk.services import passwords  # noqa: E402

NOW = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)  # the incident's dawn: MISSIONDESK_CLOCK of the benchmarks
CLOCK = "2026-03-14T06:20:00Z"
PASSWORD = "village-bench-password-1"  # noqa: S105 - a benchmark's throwaway village
CHUNK = 5000
WINDOW = HISTORY_WINDOW  # the fortnight the fitness rules read

S = timedelta(seconds=1)
H = timedelta(hours=1)
D = timedelta(days=1)

CLANS = ("Uchiha", "Hyuga", "Nara", "Akimichi", "Yamanaka", "Aburame", "Inuzuka", "Sarutobi", "Hatake", "Uzumaki",
         "Senju", "Shimura", "Mitarashi", "Yuhi", "Haruno", "Umino", "Kurama", "Tsukiyomi", "Shiranui", "Gekko",
         "Namiashi", "Morino", "Hagane", "Kamizuki", "Yamashiro", "Ebisu", "Kazama", "Rock", "Tenten", "Fuma")
GIVEN = ("Ren", "Aoi", "Haru", "Sora", "Yui", "Kaito", "Mei", "Riku", "Hina", "Daichi", "Emi", "Kenta", "Nori",
         "Shin", "Tomo", "Yuki", "Akira", "Kiyomi", "Raiden", "Sakon", "Tsubaki", "Genma", "Izumo", "Kotetsu",
         "Hayate", "Yugao", "Anko", "Kurenai", "Asuma", "Ibiki", "Shikaku", "Inoichi", "Choza", "Hiashi", "Tokuma")
KINDS = ("escort", "recon", "assassination", "retrieval", "chores", "guard", "defense", "infiltration")
PLACES = ("Tanzaku", "the Land of Waves", "the northern outpost", "Otafuku", "the Valley of the End", "Tea Country",
          "the border with Rain", "the capital", "Kusagakure", "the old archive", "Shukuba", "the river fort")
OBJECTS = ("the caravan", "a daimyo's envoy", "the lost cat Tora", "stolen scrolls", "a missing-nin", "the bridge",
           "the rice harvest", "a defector", "the courier", "the archive", "a merchant", "the outpost")
VERBS = {"escort": "Escort", "recon": "Scout", "assassination": "Eliminate", "retrieval": "Retrieve",
         "chores": "Help with", "guard": "Guard", "defense": "Hold", "infiltration": "Infiltrate"}
DIVISIONS = ("intelligence", "barrier-corps", "cryptanalysis")
SPECIALTIES = ("sensor", "genjutsu", "taijutsu", "fuinjutsu", "tracking", *KINDS)
RANKS = ((ShinobiRank.ACADEMY, 0.01), (ShinobiRank.GENIN, 0.35), (ShinobiRank.CHUNIN, 0.35),
         (ShinobiRank.SPECIAL_JONIN, 0.10), (ShinobiRank.JONIN, 0.19))
CLEARANCE_BY_RANK = {  # weights of public, confidential, secret, top_secret
    ShinobiRank.ACADEMY: (1, 0, 0, 0), ShinobiRank.GENIN: (0.9, 0.1, 0, 0), ShinobiRank.CHUNIN: (0.5, 0.4, 0.1, 0),
    ShinobiRank.SPECIAL_JONIN: (0.1, 0.4, 0.4, 0.1), ShinobiRank.JONIN: (0.05, 0.3, 0.45, 0.2),
}
MISSION_RANKS = ((MissionRank.D, 0.30), (MissionRank.C, 0.30), (MissionRank.B, 0.22), (MissionRank.A, 0.13),
                 (MissionRank.S, 0.05))
CLASSIFICATION_BY_MISSION = {
    MissionRank.D: (0.95, 0.05, 0, 0), MissionRank.C: (0.8, 0.2, 0, 0), MissionRank.B: (0.4, 0.5, 0.1, 0),
    MissionRank.A: (0, 0.4, 0.5, 0.1), MissionRank.S: (0, 0, 0.5, 0.5),
}
THREATS = {MissionRank.D: ("none", 0), MissionRank.C: ("bandits", 6), MissionRank.B: ("chunin", 3),
           MissionRank.A: ("jonin", 2), MissionRank.S: ("kage", 1)}
DURATION_HOURS = {MissionRank.D: (2, 12), MissionRank.C: (12, 72), MissionRank.B: (24, 120),
                  MissionRank.A: (48, 192), MissionRank.S: (72, 288)}
CLEARANCES = tuple(Classification)

# the sample accounts with a fixed shinobi id: (username, roles, rank, clearance, divisions, specialties)
SPECIAL = (
    ("hokage", ["hokage"], ShinobiRank.KAGE, Classification.TOP_SECRET, [], []),
    ("clerk", ["clerk"], ShinobiRank.CHUNIN, Classification.SECRET, [], []),
    ("clerk2", ["clerk"], ShinobiRank.CHUNIN, Classification.CONFIDENTIAL, [], []),
    ("medic", ["medic"], ShinobiRank.JONIN, Classification.SECRET, ["medical"], ["medical-ninjutsu"]),
    ("council", ["council"], ShinobiRank.JONIN, Classification.TOP_SECRET, [], []),
    ("council2", ["council"], ShinobiRank.JONIN, Classification.TOP_SECRET, [], []),
    ("anbu", [], ShinobiRank.JONIN, Classification.TOP_SECRET, ["anbu"], ["sensor", "assassination"]),
    ("genin", [], ShinobiRank.GENIN, Classification.PUBLIC, [], []),
    ("jonin", [], ShinobiRank.JONIN, Classification.SECRET, [], ["recon", "tracking"]),
    ("chunin", [], ShinobiRank.CHUNIN, Classification.CONFIDENTIAL, [], ["escort"]),
    ("gate1", ["clerk"], ShinobiRank.CHUNIN, Classification.CONFIDENTIAL, [], []),
    ("gate2", ["clerk"], ShinobiRank.CHUNIN, Classification.CONFIDENTIAL, [], []),
    *((f"medic{k}", ["medic"], ShinobiRank.JONIN if k % 2 else ShinobiRank.CHUNIN, Classification.CONFIDENTIAL,
       ["medical"], ["medical-ninjutsu"]) for k in range(2, 9)),
    *((f"anbu{k}", [], ShinobiRank.JONIN, Classification.TOP_SECRET, ["anbu"], ["sensor"]) for k in range(2, 7)),
)
ID = {s[0]: i + 1 for i, s in enumerate(SPECIAL)}  # username -> shinobi id (hokage 1, clerk 2, ...)
NOT_SENT = {ID["hokage"], ID["council"], ID["council2"]}  # the hokage and the council are not offered as members
JONIN_ON_MISSION = ID["jonin"]
CLERKS = ("clerk", "clerk2", "gate1", "gate2")
MEDICS = ("medic", *(f"medic{k}" for k in range(2, 9)))
SIGNERS = ("hokage", "council", "council2")


def weighted(rnd: random.Random, pairs) -> Any:
    return rnd.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def uniform_time(rnd: random.Random, a: datetime, b: datetime) -> datetime:
    return a + timedelta(seconds=rnd.uniform(0, (b - a).total_seconds()))


def iso(t: datetime) -> str:
    return t.isoformat()


@dataclass
class Village:
    """What was written: rows per table (in insert order), the audit entries, and what the benchmarks need."""

    shinobi: int
    seed: int
    rows: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[tuple[datetime, str | None, str, str | None, dict[str, Any]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0

    def add(self, table: Any, row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(table, []).append(row)
        return row

    def next_id(self, table: Any) -> int:
        return len(self.rows.get(table, ())) + 1

    def note(self, when: datetime, actor: str | None, action: str, target: str | None, /, **details: Any) -> None:
        self.events.append((when, actor, action, target, details))


class Generator:
    """Builds every row in memory, consistently, from one seed."""

    def __init__(self, n: int, seed: int, audit_entries: int):
        if n < len(SPECIAL) + 100:
            raise SystemExit(f"--shinobi: at least {len(SPECIAL) + 100}")
        self.n, self.rnd, self.audit_entries = n, random.Random(seed), audit_entries
        self.v = Village(shinobi=n, seed=seed)
        self.rank: dict[int, ShinobiRank] = {}
        self.clearance: dict[int, int] = {}
        self.status: dict[int, str] = {}
        self.username: dict[int, str] = {}
        self.died: dict[int, datetime] = {}
        self.busy_until: dict[int, datetime] = defaultdict(lambda: datetime.min.replace(tzinfo=UTC))
        self.excluded: set[int] = set(NOT_SENT)  # never sent on a mission (retired, detained, the office)
        self.window_trips: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        self.live_team: set[int] = set()
        self.medic_ids = [ID[m] for m in MEDICS]
        self.anbu_ids = [ID["anbu"], *(ID[f"anbu{k}"] for k in range(2, 7))]
        self.live_assignments: list[dict[str, Any]] = []
        self.kia_missions: list[int] = []

    # -- the roster ----------------------------------------------------------------------------------------------
    def roster(self) -> None:
        rnd, v = self.rnd, self.v
        for sid in range(1, self.n + 1):
            created = NOW - timedelta(days=rnd.uniform(30, 3 * 365))
            if sid <= len(SPECIAL):
                username, _roles, rank, clearance, divisions, specialties = SPECIAL[sid - 1]
                name = "Tsunade" if username == "hokage" else f"{rnd.choice(CLANS)} {rnd.choice(GIVEN)}"
            else:
                rank = weighted(rnd, RANKS)
                clearance = rnd.choices(CLEARANCES, weights=CLEARANCE_BY_RANK[rank])[0]
                divisions, specialties = [], []
                u = rnd.random()
                if u < 0.03 and rank in (ShinobiRank.JONIN, ShinobiRank.SPECIAL_JONIN):
                    divisions.append("anbu")
                elif u < 0.09 and rank is not ShinobiRank.ACADEMY:
                    divisions.append("medical")
                    specialties.append("medical-ninjutsu")
                elif u < 0.13:
                    divisions.append(rnd.choice(DIVISIONS))
                specialties += rnd.sample(SPECIALTIES, rnd.choice((0, 0, 1, 1, 1, 2)))
                name = f"{rnd.choice(CLANS)} {rnd.choice(GIVEN)}"
            self.rank[sid], self.clearance[sid] = rank, clearance.order
            self.status[sid] = "active"
            v.add(ShinobiRow, {"id": sid, "name": name, "rank": rank.value, "clearance": clearance.value,
                               "status": "active", "divisions": divisions, "specialties": specialties,
                               "created_at": created})
            v.note(created, "hokage" if sid < 50 else rnd.choice(CLERKS), "shinobi.created", f"shinobi:{sid}",
                   name=name, rank=rank.value)
        ordinary = list(range(len(SPECIAL) + 1, self.n + 1))
        retired = rnd.sample(ordinary, round(self.n * 0.01))
        detained = rnd.sample([s for s in ordinary if s not in set(retired)], max(1, round(self.n * 0.002)))
        for sid in retired:
            self.status[sid] = "retired"
        for sid in detained:
            self.status[sid] = "detained"
        self.excluded |= set(retired) | set(detained)
        # who may go on what: ids by (least rank order, least clearance) for the missions' draws
        self.by_rank: dict[int, list[int]] = {
            r.order: [s for s in range(1, self.n + 1) if self.rank[s].order >= r.order and s not in self.excluded]
            for r in (ShinobiRank.GENIN, ShinobiRank.CHUNIN, ShinobiRank.JONIN)}

    def accounts(self) -> None:
        rnd, v = self.rnd, self.v
        t0 = time.perf_counter()
        digest = passwords.hash_password(PASSWORD)  # once, for every account
        self.hash_seconds = time.perf_counter() - t0
        ids = list(range(1, len(SPECIAL) + 1))
        others = [s for s in range(len(SPECIAL) + 1, self.n + 1) if self.status[s] == "active"]
        ids += sorted(rnd.sample(others, min(len(others), max(0, round(self.n * 0.03) - len(SPECIAL)))))
        shinobi = {r["id"]: r for r in v.rows[ShinobiRow]}
        for k, sid in enumerate(ids, start=1):
            username, roles = (SPECIAL[sid - 1][0], SPECIAL[sid - 1][1]) if sid <= len(SPECIAL) else (f"s{sid}", [])
            created = shinobi[sid]["created_at"] + timedelta(hours=rnd.uniform(0, 48))
            self.username[sid] = username
            v.add(AccountRow, {"id": k, "username": username, "password_hash": digest, "roles": sorted(roles),
                               "shinobi_id": sid, "created_at": created})
            v.note(created, "hokage", "account.created", f"shinobi:{sid}", username=username, roles=sorted(roles))
        self.account_id = {r["username"]: r["id"] for r in v.rows[AccountRow]}

    def partners(self) -> None:
        rnd, v = self.rnd, self.v
        # the sample's medic, jonin, chunin, genin and anbu each have a partner: duty-of-care alerts reach them
        required = [ID[name] for name in ("medic", "jonin", "chunin", "genin", "anbu")]
        alive = [s for s in range(2, self.n + 1) if self.status[s] == "active" and s not in required]
        rnd.shuffle(alive)
        pairs = required + alive[: max(0, round(self.n * 0.2) - len(required))]
        pairs = pairs[: len(pairs) // 2 * 2]
        self.partner: dict[int, int] = {}
        for a, b in zip(pairs[::2], pairs[1::2], strict=True):
            at = NOW - timedelta(days=rnd.uniform(20, 700))
            v.add(PartnerRow, {"shinobi_id": a, "partner_id": b, "linked_at": at})
            v.add(PartnerRow, {"shinobi_id": b, "partner_id": a, "linked_at": at})
            self.partner[a], self.partner[b] = b, a
            v.note(at, rnd.choice(CLERKS), "shinobi.partners_linked", f"shinobi:{a}", partner_id=b)

    # -- missions --------------------------------------------------------------------------------------------------
    def _mission(self, rank: MissionRank, posted: datetime, status: str, closed_at: datetime | None) -> int:
        rnd, v = self.rnd, self.v
        mid = v.next_id(MissionRow)
        kind = rnd.choice(KINDS)
        classification = rnd.choices(CLEARANCES, weights=CLASSIFICATION_BY_MISSION[rank])[0]
        low, high = REWARD_BANDS[rank]
        reward = round(rnd.uniform(low, high or low * 3), -3)
        threat, count = THREATS[rank]
        title = f"{VERBS[kind]} {rnd.choice(OBJECTS)} ({rnd.choice(PLACES)})"
        by = rnd.choice(CLERKS)
        v.add(MissionRow, {"id": mid, "title": title, "rank": rank.value, "kind": kind,
                           "classification": classification.value, "reward_ryo": int(reward),
                           "min_team_size": DEFAULT_TEAM_SIZE[rank], "status": status, "posted_at": posted,
                           "description": f"{title}. Posted by the mission office.", "created_by": by,
                           "closed_at": closed_at, "threat": threat, "threat_count": rnd.randint(0, count * 2)})
        v.note(posted, by, "mission.created", f"mission:{mid}", title=title, rank=rank.value,
               classification=classification.value)
        return mid

    def _sign(self, mid: int, rank: MissionRank, posted: datetime, signatures: int | None = None) -> None:
        n = AUTHORIZATIONS_NEEDED[rank] if signatures is None else signatures
        for k, who in enumerate(self.rnd.sample(SIGNERS, n)):
            at = min(posted + timedelta(hours=1 + k), NOW - timedelta(minutes=1))
            self.v.add(AuthorizationRow, {"id": self.v.next_id(AuthorizationRow), "mission_id": mid,
                                          "account_id": self.account_id[who], "username": who, "at": at})
            self.v.note(at, who, "mission.authorized", f"mission:{mid}")

    def _team(self, rank: MissionRank, classification: int, free_at: datetime, size: int) -> list[int] | None:
        if size <= 0:
            return []
        pool = self.by_rank[MIN_SHINOBI_RANK[rank].order]
        team: list[int] = []
        for _ in range(400):
            s = self.rnd.choice(pool)
            if (s not in team and self.clearance[s] >= classification and self.busy_until[s] <= free_at
                    and s not in self.died and s not in self.live_team and s != JONIN_ON_MISSION):
                team.append(s)
                if len(team) == size:
                    return team
        return None

    def _gate(self, sid: int, direction: str, at: datetime, by: str) -> None:
        v = self.v
        v.add(GateEventRow, {"id": v.next_id(GateEventRow), "direction": direction, "at": at, "shinobi_id": sid,
                             "detainee_id": None, "logged_by": by, "logged_at": at, "flagged": None})
        v.note(at, by, f"gate.{direction}", f"shinobi:{sid}", at=iso(at), flagged=None)

    def closed_missions(self, count: int) -> None:
        rnd, v = self.rnd, self.v
        plans = []
        for _ in range(count):
            rank = weighted(rnd, MISSION_RANKS)
            lo, hi = DURATION_HOURS[rank]
            report_at = NOW - timedelta(hours=rnd.uniform(2, 360 * 24))
            departs = report_at - timedelta(hours=rnd.uniform(lo, hi))
            plans.append((departs, report_at, rank))
        plans.sort(key=lambda p: p[0])
        for departs, report_at, rank in plans:
            created = departs - timedelta(hours=rnd.uniform(1, 48))
            posted = created - timedelta(hours=rnd.uniform(1, 240))
            outcome = rnd.choices(("success", "failure", "aborted"), weights=(0.80, 0.15, 0.05))[0]
            status = {"success": "completed", "failure": "failed", "aborted": "cancelled"}[outcome]
            mid = self._mission(rank, posted, status, report_at)
            m = v.rows[MissionRow][-1]
            self._sign(mid, rank, posted)
            team = self._team(rank, Classification(m["classification"]).order, departs,
                              min(6, m["min_team_size"] + rnd.choice((0, 0, 1, 1, 2))))
            if team is None:
                team = self._team(rank, Classification(m["classification"]).order, departs, m["min_team_size"])
            if team is None:  # nobody free: the mission was cancelled before a team was found
                m["status"], m["closed_at"] = "cancelled", min(posted + D, NOW - H)
                v.note(m["closed_at"], m["created_by"], "mission.cancelled", f"mission:{mid}", reason="no team free")
                continue
            by = rnd.choice(CLERKS)
            aid = v.next_id(AssignmentRow)
            v.add(AssignmentRow, {"id": aid, "mission_id": mid, "departs_at": departs, "created_at": created,
                                  "created_by": by, "override_justification": None, "ended_at": report_at,
                                  "status": "closed"})
            v.note(created, by, "assignment.created", f"mission:{mid}", assignment_id=aid, shinobi_ids=team,
                   departs_at=iso(departs))
            for pos, s in enumerate(team):
                v.add(AssignmentMemberRow, {"assignment_id": aid, "shinobi_id": s, "position": pos, "active": False,
                                            "accepted_at": created, "left_at": departs, "known_codes": []})
            casualties, lost = [], []
            review_safe = all(not (NOW - after - 6 * H <= report_at <= NOW - after + 6 * H)
                              for _label, after in WELFARE_REVIEWS)  # no review falls due while a bench runs
            for s in team:
                u = rnd.random()
                if outcome == "failure" and review_safe and s > len(SPECIAL) and u < 0.26:
                    state = "kia" if u < 0.20 else "mia"
                    casualties.append({"shinobi_id": s, "status": state})
                    lost.append(s)
                elif u > 0.95:
                    casualties.append({"shinobi_id": s, "status": "injured"})
            filed_at = min(report_at + timedelta(minutes=rnd.uniform(10, 600)), NOW - timedelta(minutes=1))
            rid = v.next_id(ReportRow)
            v.add(ReportRow, {"id": rid, "mission_id": mid, "outcome": outcome, "at": report_at,
                              "summary": f"{outcome.capitalize()}: {m['title']}.", "casualties": casualties,
                              "specimens": [{"description": "a sealed scroll"}] if rnd.random() < 0.05 else [],
                              "filed_by": by, "filed_at": filed_at})
            v.note(filed_at, by, "mission.reported", f"mission:{mid}", report_id=rid, outcome=outcome,
                   at=iso(report_at), casualties=len(casualties))
            for c in casualties:
                s = c["shinobi_id"]
                if c["status"] in ("kia", "mia"):
                    self.status[s], self.died[s] = c["status"], report_at
                    v.note(filed_at, by, f"shinobi.{c['status']}", f"shinobi:{s}", mission_id=mid, at=iso(report_at))
                    if c["status"] == "kia":
                        v.add(MemorialRow, {"shinobi_id": s, "died_at": report_at, "mission_id": mid,
                                            "rank": self.rank[s].value})
                else:
                    self._injury(s, report_at, mid, by, filed_at)
            if lost:
                self.kia_missions.append(mid)
                for s in team:
                    if s not in lost:
                        self._hold(s, f"{len(lost)} teammate(s) killed or missing on a mission", report_at, mid, None,
                                   filed_at, reviews=True)
            back = report_at + timedelta(minutes=rnd.uniform(0, 120))
            for s in team:
                self.busy_until[s] = report_at + 12 * H
                in_window = report_at > NOW - WINDOW or departs > NOW - WINDOW
                if in_window or rnd.random() < 0.25:  # the gate log of older trips, for some
                    self._gate(s, "out", departs, rnd.choice(CLERKS))
                    if s not in lost and back < NOW:
                        self._gate(s, "in", back, rnd.choice(CLERKS))
                    if in_window:
                        self.window_trips[s].append((departs, back if s not in lost else None))

    def live_missions(self, open_n: int, pending_n: int, assigned_n: int) -> None:
        rnd, v = self.rnd, self.v
        for k in range(open_n):
            rank = weighted(rnd, MISSION_RANKS)
            posted = NOW - timedelta(hours=rnd.uniform(1, 24 * (60 if k % 5 == 0 else 25)))  # some stale
            mid = self._mission(rank, posted, "open", None)
            self._sign(mid, rank, posted)
            if AUTHORIZATIONS_NEEDED[rank]:
                v.note(v.rows[AuthorizationRow][-1]["at"], None, "mission.opened", f"mission:{mid}")
            self._brief(mid, posted)
        for _ in range(pending_n):
            rank = rnd.choice((MissionRank.A, MissionRank.S))
            posted = NOW - timedelta(hours=rnd.uniform(1, 24 * 10))
            mid = self._mission(rank, posted, "pending_authorization", None)
            self._sign(mid, rank, posted, AUTHORIZATIONS_NEEDED[rank] - 1)
            self._brief(mid, posted)
        for k in range(assigned_n):
            rank = MissionRank.B if k == 0 else weighted(rnd, MISSION_RANKS[:4])
            departed = k == 0 or rnd.random() < 0.6
            departs = NOW + timedelta(hours=-rnd.uniform(2, 120) if departed else rnd.uniform(1, 36))
            created = min(departs, NOW) - timedelta(hours=rnd.uniform(1, 48))
            posted = created - timedelta(hours=rnd.uniform(1, 120))
            mid = self._mission(rank, posted, "assigned", None)
            m = v.rows[MissionRow][-1]
            if k == 0:  # the sample's jonin is on this one
                m["classification"] = "confidential"
            self._sign(mid, rank, posted)
            self._brief(mid, posted)
            size = m["min_team_size"] + rnd.choice((0, 1, 1, 2))
            team = self._team(rank, Classification(m["classification"]).order, created, size - (k == 0))
            if team is None:
                raise SystemExit("the village is too small for its missions: use more --shinobi")
            if k == 0:
                team = [JONIN_ON_MISSION, *team]
            by = rnd.choice(CLERKS)
            aid = v.next_id(AssignmentRow)
            v.add(AssignmentRow, {"id": aid, "mission_id": mid, "departs_at": departs, "created_at": created,
                                  "created_by": by, "override_justification": None, "ended_at": None,
                                  "status": "active"})
            v.note(created, by, "assignment.created", f"mission:{mid}", assignment_id=aid, shinobi_ids=team,
                   departs_at=iso(departs))
            self.live_assignments.append({"id": aid, "mission_id": mid, "team": team, "departs_at": departs})
            for pos, s in enumerate(team):
                v.add(AssignmentMemberRow, {"assignment_id": aid, "shinobi_id": s, "position": pos, "active": True,
                                            "accepted_at": created, "left_at": departs if departed else None,
                                            "known_codes": []})
                self.status[s] = "on_mission"
                self.live_team.add(s)
                if departed:
                    self._gate(s, "out", departs, rnd.choice(CLERKS))
                    self.window_trips[s].append((departs, None))

    def _brief(self, mid: int, posted: datetime) -> None:
        m = self.v.rows[MissionRow][-1]
        if m["classification"] in ("secret", "top_secret") and self.rnd.random() < 0.5:
            at = min(posted + timedelta(hours=2), NOW - timedelta(minutes=1))
            who = self.rnd.choice(SIGNERS)
            self.v.add(BriefRow, {"id": self.v.next_id(BriefRow), "mission_id": mid,
                                  "text": f"Brief for mission {mid}: routes, contacts and the signal words.",
                                  "created_by": who, "created_at": at, "destroyed_at": None, "destroyed_by": None,
                                  "destroy_reason": None})
            self.v.note(at, who, "brief.written", f"mission:{mid}")

    # -- medical ---------------------------------------------------------------------------------------------------
    def _injury(self, s: int, at: datetime, mid: int | None, by: str | None, recorded: datetime) -> int:
        rnd, v = self.rnd, self.v
        iid = v.next_id(InjuryRow)
        v.add(InjuryRow, {"id": iid, "shinobi_id": s, "body_part": rnd.choice(("arm", "leg", "ribs", "head", "hand")),
                          "kind": rnd.choice(("cut", "fracture", "burn", "chakra exhaustion", "poison")),
                          "severity": rnd.choice(("minor", "minor", "moderate", "serious")), "at": at,
                          "mission_id": mid, "notes": None, "recorded_by": by, "recorded_at": recorded})
        v.note(recorded, by, "injury.recorded", f"shinobi:{s}", injury_id=iid, mission_id=mid)
        return iid

    def _hold(self, s: int, reason: str, since: datetime, mid: int | None, by: str | None, created: datetime, *,
              reviews: bool) -> None:
        rnd, v = self.rnd, self.v
        hid = v.next_id(WelfareHoldRow)
        lifted = since + timedelta(days=rnd.uniform(3, 30)) if rnd.random() < 0.85 else None
        if lifted is not None and lifted >= NOW - H:
            lifted = None
        v.add(WelfareHoldRow, {"id": hid, "shinobi_id": s, "reason": reason, "since": since, "mission_id": mid,
                               "lifted_at": lifted, "note": "reviewed: fit to return" if lifted else None,
                               "created_by": by, "created_at": created})
        v.note(created, by, "welfare_hold.created", f"shinobi:{s}", hold_id=hid, since=iso(since), mission_id=mid)
        if lifted is not None:
            v.note(lifted, rnd.choice(MEDICS), "welfare_hold.lifted", f"shinobi:{s}", hold_id=hid)
        if not reviews:
            return
        for label, after in WELFARE_REVIEWS:
            due = since + after
            done = alerted = None
            if lifted is not None and lifted <= due:
                done = lifted
            elif due < NOW:
                alerted = due + timedelta(seconds=30)
                if rnd.random() < 0.9:
                    done = min(due + timedelta(hours=rnd.uniform(1, 48)), lifted or NOW - H, NOW - H)
            v.add(WelfareReviewRow, {"id": v.next_id(WelfareReviewRow), "hold_id": hid, "shinobi_id": s,
                                     "label": label, "due_at": due, "alerted_at": alerted, "done_at": done,
                                     "done_by": rnd.choice(MEDICS) if done else None,
                                     "note": "seen; sleeping better" if done else None})

    def medical(self) -> None:
        rnd, v = self.rnd, self.v
        alive = [s for s in range(len(SPECIAL) + 1, self.n + 1) if self.status[s] in ("active", "on_mission")]
        for s in rnd.sample(alive, round(self.n * 0.05)):
            kind = "rest" if rnd.random() < 0.6 else "light_duty"
            starts = NOW - timedelta(hours=rnd.uniform(2, 240))
            ends = starts + timedelta(days=rnd.uniform(2, 14)) if rnd.random() < 0.9 else None
            medic = rnd.choice(MEDICS)
            filed = rnd.random() < 0.6
            lifted = uniform_time(rnd, starts, NOW - H) if rnd.random() < 0.15 and starts < NOW - 2 * H else None
            rid = v.next_id(RestrictionRow)
            created = starts - timedelta(minutes=rnd.uniform(0, 60))
            v.add(RestrictionRow, {"id": rid, "shinobi_id": s, "kind": kind,
                                   "status": "filed" if filed else "recommended",
                                   "reason": rnd.choice(("cracked ribs", "chakra exhaustion", "concussion",
                                                         "fever", "sprained ankle")),
                                   "starts_at": starts, "ends_at": ends, "lifted_at": lifted,
                                   "lift_note": "recovered" if lifted else None, "created_by": medic,
                                   "created_at": created, "injury_id": None,
                                   "filed_by": "hokage" if filed else None,
                                   "filed_at": created + H if filed else None})
            v.note(created, medic, "restriction.created", f"shinobi:{s}", restriction_id=rid, kind=kind,
                   status="recommended", starts_at=iso(starts), ends_at=iso(ends) if ends else None)
            if filed:
                v.note(created + H, "hokage", "restriction.filed", f"shinobi:{s}", restriction_id=rid)
        for s in rnd.sample(alive, round(self.n * 0.015)):
            since = NOW - timedelta(hours=rnd.uniform(2, 60 * 24))
            self._hold(s, rnd.choice(("grief after a mission", "asked for a break", "a medic's concern")), since,
                       None, rnd.choice(MEDICS), since, reviews=False)
        for s in rnd.sample(alive, round(self.n * 0.03)):
            at = NOW - timedelta(hours=rnd.uniform(3, 60 * 24))
            medic = rnd.choice(MEDICS)
            iid = self._injury(s, at, None, medic, at + H)
            v.add(TreatmentRow, {"id": v.next_id(TreatmentRow), "shinobi_id": s,
                                 "kind": rnd.choice(("stitches", "splint", "healing jutsu", "antidote")), "at": at + H,
                                 "medic_id": ID[medic], "injury_id": iid, "notes": None, "recorded_at": at + H})
            v.note(at + H, medic, "treatment.recorded", f"shinobi:{s}", injury_id=iid)
            for k in range(rnd.choice((0, 1, 2, 3))):
                dose = at + H * (2 + 6 * k)
                if dose < NOW:
                    v.add(MedicationRow, {"id": v.next_id(MedicationRow), "shinobi_id": s,
                                          "drug": rnd.choice(("chakra pill", "soldier pill", "painkiller")),
                                          "amount": 1.0, "unit": "pill", "at": dose, "injury_id": iid,
                                          "recorded_by": medic, "recorded_at": dose})
                    v.note(dose, medic, "medication.recorded", f"shinobi:{s}", drug="pill")
            if rnd.random() < 0.5:
                v.add(MedicalNoteRow, {"id": v.next_id(MedicalNoteRow), "shinobi_id": s,
                                       "text": "Follow-up in a week.", "at": at + 2 * H, "recorded_by": medic,
                                       "recorded_at": at + 2 * H})
                v.note(at + 2 * H, medic, "medical_note.recorded", f"shinobi:{s}")

    # -- the gate and sleep ------------------------------------------------------------------------------------------
    def trips(self) -> None:
        """Half the roster through the gate in the last 14 days: the missions' teams, and trips of hours to a week."""
        rnd = self.rnd
        travellers = set(self.window_trips)
        free = [s for s in range(1, self.n + 1) if self.status[s] == "active" and s not in travellers
                and self.busy_until[s] <= NOW - WINDOW and s not in NOT_SENT]
        rnd.shuffle(free)
        for s in free[: max(0, self.n // 2 - len(travellers))]:
            out = NOW - timedelta(hours=rnd.uniform(4, 14 * 24))
            hours = rnd.choice((rnd.uniform(3, 12), rnd.uniform(24, 72), rnd.uniform(72, 168)))
            back = out + timedelta(hours=hours)
            self._gate(s, "out", out, rnd.choice(CLERKS))
            if back < NOW - timedelta(minutes=5):
                self._gate(s, "in", back, rnd.choice(CLERKS))
            self.window_trips[s].append((out, back if back < NOW else None))

    def sleep(self) -> list[dict[str, Any]]:
        rnd, v = self.rnd, self.v
        day0 = (NOW - WINDOW).replace(hour=0, minute=0, second=0, microsecond=0)
        rows = v.rows.setdefault(SleepEpisodeRow, [])
        for s in range(1, self.n + 1):
            if self.status[s] in ("kia", "mia", "detained") and s not in self.died:
                continue
            last = min(self.died.get(s, NOW), NOW) - timedelta(minutes=rnd.uniform(5, 60))
            own = self.username.get(s)
            for d in range(14):
                spans = []
                if rnd.random() < 0.95:
                    start = day0 + timedelta(days=d, hours=22 + rnd.uniform(-1.5, 2.0))
                    spans.append((start, start + timedelta(hours=rnd.uniform(3.5, 9.0))))
                if rnd.random() < 0.08:
                    start = day0 + timedelta(days=d + 1, hours=rnd.uniform(12, 16))
                    spans.append((start, start + timedelta(minutes=rnd.uniform(15, 90))))
                for start, end in spans:
                    end = min(end, last)
                    if end - start < timedelta(minutes=15):
                        continue
                    rows.append({"id": len(rows) + 1, "shinobi_id": s, "start_at": start, "end_at": end,
                                 "logged_by": own or rnd.choice(MEDICS),
                                 "logged_at": min(end + timedelta(minutes=rnd.uniform(1, 180)), NOW - 60 * S)})
        return rows

    # -- custody, shifts, alerts ------------------------------------------------------------------------------------
    def custody(self) -> None:
        rnd, v = self.rnd, self.v
        for k in range(12):
            did = k + 1
            since = NOW - timedelta(hours=rnd.uniform(6, 30 * 24))
            held = k < 8
            who = rnd.choice(("anbu", "anbu2", "anbu3"))
            ended = None if held else uniform_time(rnd, since + H, NOW - H)
            v.add(DetaineeRow, {"id": did, "name": f"Foreign agent {k + 1}", "origin": rnd.choice(PLACES),
                                "status": "held" if held else rnd.choice(("released", "transferred_out")),
                                "detained_since": since, "in_village": False, "ended_at": ended,
                                "end_note": None if held else "handed to the border post", "created_by": who,
                                "created_at": since})
            v.note(since, who, "custody.intake", f"detainee:{did}", name=f"Foreign agent {k + 1}")
            links = [(since, rnd.sample(self.anbu_ids, 2))]
            if rnd.random() < 0.5:
                links.append((uniform_time(rnd, since, ended or NOW - H), rnd.sample(self.anbu_ids, 2)))
            for at, custodians in links:
                lid = v.next_id(CustodyLinkRow)
                v.add(CustodyLinkRow, {"id": lid, "detainee_id": did, "at": at, "created_by": who, "created_at": at})
                for c in custodians:
                    v.add(CustodyCustodianRow, {"link_id": lid, "shinobi_id": c})
            inside = since + timedelta(hours=rnd.uniform(1, 5))
            if inside < (ended or NOW):
                v.add(GateEventRow, {"id": v.next_id(GateEventRow), "direction": "in", "at": inside, "shinobi_id": None,
                                     "detainee_id": did, "logged_by": who, "logged_at": inside, "flagged": None})
                v.note(inside, who, "gate.in", f"detainee:{did}", at=iso(inside), flagged=None)
            if held and rnd.random() < 0.5:
                at = uniform_time(rnd, inside, NOW - H)
                v.add(AudienceRequestRow, {"id": v.next_id(AudienceRequestRow), "detainee_id": did,
                                           "with": "hokage", "at": at, "status": "open",
                                           "requested_by": who, "decided_at": None, "decided_by": None, "note": None})
                v.note(at, who, "custody.audience_requested", f"detainee:{did}")

    def shifts(self) -> None:
        v = self.v
        start = (NOW - WINDOW).replace(hour=0, minute=0, second=0, microsecond=0)
        k = 0
        while start < NOW + 7 * D:
            medic = self.medic_ids[k % len(self.medic_ids)]
            created = min(start - D, NOW - D)
            v.add(MedicShiftRow, {"id": v.next_id(MedicShiftRow), "shinobi_id": medic, "starts_at": start,
                                  "ends_at": start + 8 * H, "created_by": "clerk", "created_at": created,
                                  "removed_at": None})
            start, k = start + 8 * H, k + 1

    def alerts(self) -> None:
        rnd, v = self.rnd, self.v
        names = {r["id"]: r["name"] for r in v.rows[ShinobiRow]}
        hokage = ID["hokage"]

        def alert(recipient: int, kind: str, message: str, at: datetime, **extra: Any) -> int:
            aid = v.next_id(AlertRow)
            read = at + timedelta(minutes=rnd.uniform(1, 600)) if rnd.random() < 0.7 else None
            row = {"id": aid, "recipient_id": recipient, "kind": kind, "subject_shinobi_id": None, "mission_id": None,
                   "detainee_id": None, "codes": [], "message": message, "created_at": at,
                   "read_at": read if read is None or read < NOW else None, "assignment_id": None, "ladder_id": None,
                   "step": None, "office_copy": False, "acknowledged_at": None}
            row.update(extra)
            v.add(AlertRow, row)
            v.note(at, None, "alert.created", f"shinobi:{recipient}", alert_id=aid, kind=kind)
            return aid

        # duty of care: a refused A/S attempt of an at-risk shinobi, their partner told and the office's copy,
        # acknowledged by the partner (the ladder finished)
        subjects = [s for s in self.username if s in self.partner and self.status[s] == "active"]
        missions = [r for r in v.rows[MissionRow] if r["rank"] in ("A", "S") and r["status"] == "open"]
        for k in range(min(len(missions), max(1, self.n // 300))):
            s, m = rnd.choice(subjects), missions[k]
            at = NOW - timedelta(hours=rnd.uniform(1, 20 * 24))
            codes = sorted(rnd.sample(("MEDICAL_REST", "FATIGUE_UNFIT", "WELFARE_HOLD"), rnd.randint(1, 2)))
            lid = v.next_id(AlertLadderRow)
            acked = at + timedelta(minutes=rnd.uniform(1, 9))
            first = alert(self.partner[s], "DUTY_OF_CARE",
                          f"Refused for their own safety when asking to depart on a mission: {names[s]} "
                          f"({', '.join(codes)}). You are their designated partner: acknowledge that you have seen "
                          "this.", at, subject_shinobi_id=s, mission_id=m["id"], codes=codes, ladder_id=lid, step=0,
                          acknowledged_at=acked, read_at=acked)
            alert(hokage, "DUTY_OF_CARE", f"The office's copy: refused for their own safety: {names[s]} "
                  f"({', '.join(codes)}). Their partners are told.", at, subject_shinobi_id=s, mission_id=m["id"],
                  codes=codes, ladder_id=lid, step=0, office_copy=True)
            v.add(AlertLadderRow, {"id": lid, "kind": "DUTY_OF_CARE", "mission_id": m["id"],
                                   "subjects": {str(s): codes}, "started_at": at, "step": 0, "acknowledged_at": acked,
                                   "acknowledged_by": self.partner[s], "acknowledged_alert_id": first,
                                   "finished_at": acked})
            v.note(acked, self.username.get(self.partner[s]), "alert.acknowledged", f"alert:{first}", ladder_id=lid,
                   kind="DUTY_OF_CARE")
        # a team at risk: its members' new records told to the office (the hokage, the clerks)
        for a in self.live_assignments:
            if rnd.random() < 0.3:
                s = rnd.choice(a["team"])
                at = min(a["departs_at"], NOW) - timedelta(hours=rnd.uniform(0.5, 12))
                for who in ("hokage", "clerk"):
                    alert(ID[who], "ASSIGNMENT_AT_RISK",
                          f"{names[s]}, booked to depart on mission {a['mission_id']}, is now: Too tired to depart.",
                          at, subject_shinobi_id=s, mission_id=a["mission_id"], assignment_id=a["id"],
                          codes=["FATIGUE_UNFIT"])
        # welfare reviews due, to the medics
        for r in v.rows.get(WelfareReviewRow, []):
            if r["alerted_at"] is not None and r["alerted_at"] > NOW - 60 * D:
                for medic in rnd.sample(MEDICS, 2):
                    alert(ID[medic], "WELFARE_REVIEW_DUE",
                          f"The {r['label']} welfare review of {names[r['shinobi_id']]} is due.", r["alerted_at"],
                          subject_shinobi_id=r["shinobi_id"])
        # and a past of each account's own: teams proposed to them (answered since), missions cancelled
        busy = {"hokage", "clerk", "medic", "genin", "jonin"}
        for s, username in self.username.items():
            for _ in range(rnd.randint(2, 12) if username in busy else rnd.randint(0, 4)):
                at = NOW - timedelta(hours=rnd.uniform(1, 90 * 24))
                if rnd.random() < 0.7:
                    alert(s, "TEAM_PROPOSAL", "A team was proposed with you in it; it has since been answered.", at)
                else:
                    alert(s, "MISSION_CANCELLED", "A mission you were proposed for was cancelled.", at)

    # -- the audit log -------------------------------------------------------------------------------------------------
    def audit(self) -> None:
        """The events, then sign-ins and sleep logs to make up `audit_entries`, in time order, hash-chained."""
        rnd, v = self.rnd, self.v
        episodes = v.rows.get(SleepEpisodeRow, [])
        need = self.audit_entries - len(v.events)
        logins = min(max(0, need), len(self.username) * 14)
        accounts = list(self.username.values())
        for _ in range(logins):
            v.note(NOW - timedelta(seconds=rnd.uniform(60, WINDOW.total_seconds())), rnd.choice(accounts),
                   "auth.login", None, source="127.0.0.1")
        need -= logins
        for e in rnd.sample(episodes, min(max(0, need), len(episodes))):
            v.note(e["logged_at"], e["logged_by"], "sleep.logged", f"shinobi:{e['shinobi_id']}",
                   episode_id=e["id"], start=iso(e["start_at"]), end=iso(e["end_at"]))
        while len(v.events) < self.audit_entries:  # a small village logs in more often
            v.note(NOW - timedelta(seconds=rnd.uniform(60, WINDOW.total_seconds())), rnd.choice(accounts),
                   "auth.login", None, source="127.0.0.1")
        v.events.sort(key=lambda e: e[0])
        del v.events[self.audit_entries:]
        rows = v.rows.setdefault(AuditRow, [])
        prev = GENESIS
        for seq, (at, actor, action, target, details) in enumerate(v.events, start=1):
            at = at.astimezone(UTC)  # details hold only str, int, None and lists of them: as the JSON column reads
            digest = chain_hash(prev, canonical(seq, at, actor, action, target, details))
            rows.append({"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
                         "details": details, "prev_hash": prev, "hash": digest})
            prev = digest

    def statuses(self) -> None:
        for row in self.v.rows[ShinobiRow]:
            row["status"] = self.status[row["id"]]

    def generate(self) -> Village:
        n = self.n
        self.roster()
        self.accounts()
        self.partners()
        self.closed_missions(round(n * 0.20))
        self.live_missions(round(n * 0.02), round(n * 0.002), round(n * 0.008))
        self.medical()
        self.trips()
        self.sleep()
        self.custody()
        self.shifts()
        self.alerts()
        self.statuses()
        self.audit()
        return self.v


# -- writing -----------------------------------------------------------------------------------------------------
ORDER = (ShinobiRow, AccountRow, PartnerRow, MissionRow, AuthorizationRow, AssignmentRow, AssignmentMemberRow,
         ReportRow, MemorialRow, InjuryRow, RestrictionRow, WelfareHoldRow, WelfareReviewRow, TreatmentRow,
         MedicationRow, MedicalNoteRow, SleepEpisodeRow, DetaineeRow, CustodyLinkRow, CustodyCustodianRow,
         AudienceRequestRow, GateEventRow, AlertLadderRow, AlertRow, MedicShiftRow, BriefRow, AuditRow)


def write(engine: Engine, village: Village) -> None:
    for row_class in ORDER:
        rows = village.rows.get(row_class, [])
        table = row_class.__table__
        t0 = time.perf_counter()
        with engine.begin() as conn:
            for k in range(0, len(rows), CHUNK):
                conn.execute(insert(table), rows[k:k + CHUNK])
        village.seconds[table.name] = time.perf_counter() - t0
        village.counts[table.name] = len(rows)
    rebuild_derived(engine, village)
    if engine.dialect.name == "postgresql":  # ids were given: the sequences go on after them
        t0 = time.perf_counter()
        with engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement in (True, "auto"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                                      f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
        village.seconds["(sequences)"] = time.perf_counter() - t0


def rebuild_derived(engine: Engine, village: Village) -> None:
    """What the repositories keep beside a row they write (the per-shinobi digests of the sleep log and the gate
    log, where the schema has them: adapters/db/sleep_digest.py, gate_digest.py), rebuilt after the bulk write by
    the project's own functions."""
    import importlib

    for name in ("sleep_digest", "gate_digest"):
        try:
            digest = importlib.import_module(f"missiondesk.adapters.db.{name}")
        except ImportError:
            continue
        t0 = time.perf_counter()
        with engine.begin() as conn:
            written = digest.rebuild(conn)
        village.seconds[f"{name} (rebuilt)"] = time.perf_counter() - t0
        village.counts[f"{name} (rebuilt)"] = int(written or 0)


def migrate_fresh(url: str) -> Engine:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(ShinobiRow.__table__)):
            raise SystemExit(f"{url}: the database already holds a village; give an empty one")
    return engine


def build(url: str, shinobi: int = 10_000, seed: int = 1, audit_entries: int | None = None,
          out=print) -> Village:
    """Migrate `url` (empty), generate the village and write it; returns it with its timings."""
    url = normalise_url(url)
    started = time.perf_counter()
    t0 = time.perf_counter()
    engine = migrate_fresh(url)
    migrated = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        gen = Generator(shinobi, seed, audit_entries if audit_entries is not None else shinobi * 10)
        village = gen.generate()
        generated = time.perf_counter() - t0
        write(engine, village)
    finally:
        engine.dispose()
    village.total_seconds = time.perf_counter() - started
    engine_name = "postgresql" if url.startswith("postgresql") else "sqlite"
    out(f"village on {engine_name}: {shinobi:,} shinobi, seed {seed}; every account's password: {PASSWORD}")
    out(f"  {'migrate':<22}{'':>10}{migrated:>8.2f} s")
    out(f"  {'generate (in memory)':<22}{sum(village.counts.values()):>10,}{generated:>8.2f} s   "
        f"(argon2 once: {gen.hash_seconds * 1000:.0f} ms; audit chain hashed in it)")
    for name, seconds in village.seconds.items():
        rows = village.counts.get(name)
        rate = f"{rows / seconds:>9,.0f} rows/s" if rows else ""
        out(f"  {name:<22}{rows if rows is not None else '':>10,}{seconds:>8.2f} s {rate}" if rows is not None
            else f"  {name:<22}{'':>10}{seconds:>8.2f} s")
    out(f"  {'total':<22}{sum(village.counts.values()):>10,}{village.total_seconds:>8.2f} s")
    return village


# -- checking it with the service's own reads ----------------------------------------------------------------------
def check(url: str, village: Village, out=print) -> None:
    """The service's own reads, in process, on the village just written: they must work and agree."""
    from missiondesk.config import Settings
    from missiondesk.domain.ranks import MissionStatus
    from missiondesk.runtime import start
    from missiondesk.services import audit, auth, gate, missions, reports, roster

    t0 = time.perf_counter()
    rt = start(Settings(database_url=normalise_url(url)), migrate_schema=False, bootstrap=False)
    try:
        hokage = auth.caller_for_username(rt.uow, "hokage")
        people = roster.list_shinobi(rt.uow, hokage)
        assert len(people) == village.counts["shinobi"], (len(people), village.counts["shinobi"])
        board = missions.list_missions(rt.uow, hokage)
        assert len(board) == village.counts["mission"]
        live = sum(1 for v in board if v.mission.status in (MissionStatus.OPEN, MissionStatus.PENDING_AUTHORIZATION,
                                                             MissionStatus.ASSIGNED))
        fallen = reports.memorial(rt.uow, hokage)
        assert len(fallen) == village.counts["memorial"]
        inside = gate.present(rt.uow, hokage, NOW)
        chain = audit.verify(rt.uow)
        assert chain.ok and chain.entries == village.counts["audit_entry"], chain
        statuses: dict[str, int] = defaultdict(int)
        for s in people:
            statuses[s.status.value] += 1
    finally:
        rt.close()
    out(f"checked with the service's reads in {time.perf_counter() - t0:.1f} s: {len(people):,} shinobi "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))}), {len(board):,} missions ({live} on the "
        f"board), {len(fallen)} on the memorial, {len(inside.shinobi):,} inside the village at dawn; audit chain: "
        f"{chain.summary}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", required=True,
                    help="sqlite:///path (a new file) or postgresql://host:port/name (an empty database)")
    ap.add_argument("--shinobi", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--audit", type=int, help="audit entries (default: 10 per shinobi)")
    ap.add_argument("--no-check", action="store_true", help="skip the check with the service's reads")
    args = ap.parse_args()
    if args.database.startswith("sqlite:///"):
        path = Path(args.database.removeprefix("sqlite:///"))
        if path.exists():
            raise SystemExit(f"{path} exists: the village is written to a new database")
    village = build(args.database, args.shinobi, args.seed, args.audit)
    if not args.no_check:
        check(args.database, village)
    return 0


if __name__ == "__main__":
    sys.exit(main())
