"""Times on the pages: in the village's zone, the zone named."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from missiondesk.adapters.web.pages.common import local_time

T = datetime(2026, 3, 13, 21, 20, tzinfo=UTC)


def test_a_time_in_the_village_zone_with_its_name():
    assert local_time(T, ZoneInfo("Asia/Tokyo")) == "2026-03-14 06:20 JST"
    assert local_time(T, ZoneInfo("UTC")) == "2026-03-13 21:20 UTC"
    assert local_time(T.isoformat(), ZoneInfo("Asia/Tokyo"), "%H:%M") == "06:20 JST"
    assert local_time(T.replace(tzinfo=None), ZoneInfo("Asia/Tokyo")) == "2026-03-14 06:20 JST"  # naive: UTC


def test_a_zone_without_a_lettered_abbreviation_is_named_by_its_key():
    assert local_time(T, ZoneInfo("America/Sao_Paulo")) == "2026-03-13 18:20 America/Sao_Paulo"


def test_no_time_is_a_dash():
    assert local_time(None, ZoneInfo("UTC")) == "—"
