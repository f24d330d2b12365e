"""The server-side SVG charts: well-formed, escaped, one mark per data point."""
import xml.etree.ElementTree as ET

from missiondesk.adapters.web.charts import reliability_chart

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
