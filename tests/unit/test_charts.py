"""The server-side SVG charts: well-formed, escaped, one mark per data point; the fatigue chart's now line and
its rest order and rest period bands, placed by their times and labelled in the village's zone."""
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from missiondesk.adapters.web.charts import Band, duty_bands, fatigue_chart, reliability_chart
from missiondesk.domain.fatigue import FatigueEstimate, FatiguePolicy
from missiondesk.domain.medical import Restriction, RestrictionKind, RestrictionStatus

SVG = "{http://www.w3.org/2000/svg}"


def test_the_reliability_chart_has_one_point_per_bin_placed_by_predicted_and_observed():
    bins = [{"predicted": 0.1, "observed": 0.0, "count": 3}, {"predicted": 0.9, "observed": 1.0, "count": 12},
            {"predicted": 0.5, "observed": 0.5, "count": 1}]
    root = ET.fromstring(reliability_chart(bins, title="Success <&>", brier=0.04, n=16, chart_id="cal-s"))
    points = root.findall(f"{SVG}circle")
    assert len(points) == 3
    by_title = {p.find(f"{SVG}title").text: p for p in points}
    low = by_title["predicted 10%, observed 0%, 3 missions"]
    high = by_title["predicted 90%, observed 100%, 12 missions"]
    assert float(low.get("cx")) < float(high.get("cx")) and float(low.get("cy")) > float(high.get("cy"))
    assert float(low.get("r")) < float(high.get("r"))  # sized by the count
    assert "predicted 50%, observed 50%, 1 mission" in by_title  # not "1 missions"
    perfect = root.find(f"{SVG}line[@class='perfect']")
    assert perfect is not None and float(perfect.get("y1")) > float(perfect.get("y2"))  # rises to the right
    assert root.find(f"{SVG}title").text == "Success <&>: predicted against observed"  # escaped, then parsed back
    assert root.get("aria-labelledby") == "cal-s-title cal-s-desc" and "Brier score 0.040 over 16" in \
        root.find(f"{SVG}desc").text


def test_the_reliability_chart_without_bins_is_still_a_chart():
    root = ET.fromstring(reliability_chart([], title="Casualty", brier=float("nan"), n=0, chart_id="c"))
    assert root.findall(f"{SVG}circle") == [] and root.find(f"{SVG}path") is None


# -- the 48-hour fatigue chart: now, the rest order and the rest period ---------------------------------------
T0 = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)


def _series(hours: int = 48, step: int = 30):
    est = FatigueEstimate(level="caution", kss=6.0, effectiveness=88.0, kss_with_inertia=6.0,
                          effectiveness_with_inertia=88.0, hours_awake=3.0)
    return [(T0 + timedelta(minutes=step * i), est) for i in range(hours * 60 // step + 1)]


def _rest(starts: datetime, ends: datetime | None = None, lifted: datetime | None = None, rid: int = 1):
    return Restriction(id=rid, shinobi_id=7, kind=RestrictionKind.REST, status=RestrictionStatus.RECOMMENDED,
                       reason="chakra exhaustion", starts_at=starts, ends_at=ends, lifted_at=lifted)


def _x_of(rect) -> tuple[float, float]:
    return float(rect.get("x")), float(rect.get("x")) + float(rect.get("width"))


def test_the_chart_draws_now_as_a_line_in_each_panel_at_its_time():
    now = T0 + timedelta(hours=12)  # a quarter of the way
    root = ET.fromstring(fatigue_chart(_series(), FatiguePolicy(), now=now))
    lines = root.findall(f"{SVG}line[@class='now-line']")
    assert len(lines) == 2
    frame = root.find(f"{SVG}rect[@class='chart-frame']")
    left, width = float(frame.get("x")), float(frame.get("width"))
    for line in lines:
        assert float(line.get("x1")) == float(line.get("x2")) == pytest.approx(left + width / 4, abs=0.2)
    labels = [t.text for t in root.findall(f"{SVG}text[@class='now-label']")]
    assert labels == ["now Sat 18:00"] * 2
    assert "The dotted vertical line is now, 18:00." in root.find(f"{SVG}desc").text


def test_without_now_or_bands_the_chart_is_as_before():
    root = ET.fromstring(fatigue_chart(_series(), FatiguePolicy()))
    assert root.findall(f"{SVG}line[@class='now-line']") == [] and root.findall(f".//{SVG}rect") == \
        root.findall(f"{SVG}rect[@class='chart-frame']")
    assert root.get("viewBox") == "0 0 720 400" and "width" not in root.attrib  # scales to its container


def test_the_rest_order_and_the_rest_period_are_labelled_bands_from_their_times():
    now = T0
    order = _rest(T0 - timedelta(hours=3), ends=T0 + timedelta(hours=24))
    reasons = [{"code": "MEDICAL_REST", "clears_at": None},
               {"code": "REST_PERIOD", "clears_at": (T0 + timedelta(hours=6)).isoformat()}]
    bands = duty_bands([order], reasons, now)
    assert bands == [Band(order.starts_at, order.ends_at, "Rest order", "rest-order"),
                     Band(now, T0 + timedelta(hours=6), "Rest period", "rest-period")]
    root = ET.fromstring(fatigue_chart(_series(), FatiguePolicy(), now=now, bands=bands, tz=ZoneInfo("Asia/Tokyo")))
    frame = root.find(f"{SVG}rect[@class='chart-frame']")
    left, width = float(frame.get("x")), float(frame.get("width"))
    orders = root.findall(f"{SVG}rect[@class='band band-rest-order']")
    periods = root.findall(f"{SVG}rect[@class='band band-rest-period']")
    assert len(orders) == len(periods) == 2  # in both panels
    x0, x1 = _x_of(orders[0])
    assert x0 == pytest.approx(left) and x1 == pytest.approx(left + width / 2, abs=0.2)  # held to the chart
    x0, x1 = _x_of(periods[0])
    assert x0 == pytest.approx(left) and x1 == pytest.approx(left + width / 8, abs=0.2)
    # labelled in the village's zone (Tokyo: UTC+9), and said in words for a screen reader
    words = [t.text for t in root.findall(f"{SVG}text[@class='band-label']")]
    assert words == ["Rest order until Sun 15:00", "Rest period until Sat 21:00"] * 2
    assert len(root.findall(f".//{SVG}title")) == 1  # the chart's own title alone
    desc = root.find(f"{SVG}desc").text
    assert "rest order from 2026-03-14 12:00 until 2026-03-15 15:00" in desc
    assert "rest period from 2026-03-14 15:00 until 2026-03-14 21:00" in desc


def test_an_open_ended_order_runs_to_the_end_and_a_lifted_or_past_one_is_not_drawn():
    now = T0
    bands = duty_bands([_rest(T0 + timedelta(hours=36), rid=1), _rest(T0 - timedelta(days=2), lifted=T0, rid=2),
                        _rest(T0 - timedelta(days=2), ends=T0 - timedelta(hours=1), rid=3)], [], now)
    assert [b.label for b in bands] == ["Rest order (open-ended)"]
    root = ET.fromstring(fatigue_chart(_series(), FatiguePolicy(), now=now, bands=bands))
    frame = root.find(f"{SVG}rect[@class='chart-frame']")
    left, width = float(frame.get("x")), float(frame.get("width"))
    x0, x1 = _x_of(root.find(f"{SVG}rect[@class='band band-rest-order']"))
    assert x0 == pytest.approx(left + width * 36 / 48, abs=0.2) and x1 == pytest.approx(left + width)
    assert "with no end set" in root.find(f"{SVG}desc").text
    # a rest period with no clearing time (no record says) is no band
    assert duty_bands([], [{"code": "REST_PERIOD", "clears_at": None}, {"code": "DUTY_LIMIT",
                                                                        "clears_at": T0.isoformat()}], now) == []


def test_close_thresholds_get_labels_apart():
    root = ET.fromstring(fatigue_chart(_series(), FatiguePolicy()))
    ys = sorted(float(t.get("y")) for t in root.findall(f"{SVG}text[@class='chart-label']"))
    kss = ys[:3]  # the first panel's three
    assert all(b - a >= 15 - 1e-6 for a, b in zip(kss, kss[1:], strict=False))
