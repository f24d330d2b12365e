"""A village's mission history, sent and reported through the services (for the risk model's refit)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from missiondesk.domain.missions import Outcome
from missiondesk.services import assignments, auth, reports

from .api import Api


def file_reports(runtime, api: Api, count: int) -> None:
    """`count` C-rank missions sent and reported: every third one against jonin, failed. The hokage records
    each departure and report as they happened, from 1 January on."""
    hokage = auth.caller_for_username(runtime.uow, "hokage")
    people = [api.person(f"Veteran {i}") for i in range(4)]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(count):
        hard = i % 3 == 0
        m = api.open_mission("C", threat="jonin" if hard else "bandits", threat_count=3 if hard else 1,
                             min_team_size=2, posted_at="2025-12-01T00:00:00Z")
        at = t0 + timedelta(days=i)
        team = tuple(people[(i % 2) * 2:(i % 2) * 2 + 2])
        assignments.assign_team(runtime.uow, hokage, m, assignments.AssignTeam(team, at), at, runtime.policy)
        outcome = Outcome.FAILURE if hard else Outcome.SUCCESS
        back = at + timedelta(hours=5)
        reports.file_report(runtime.uow, hokage, m, reports.FileReport(outcome, back), back)
