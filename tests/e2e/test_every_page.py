"""Every page each role of the demo village can reach, in a real Chromium: found by following the page's own
links (the nav, then the links of the office's lists: board, roster, gate, alerts, memorial, desk, risk, audit,
custody, account, and a few missions, shinobi and detainees), each checked for its status, zero axe-core
violations (tests/e2e/vendor/axe.min.js, no CDN), no sideways scroll on a 390 px phone, and photographed at 1280
and 390 px (artifacts/screenshots/every-<role>-<page>-<width>.png). Every failure of a role is gathered, then
reported at once, per page; the whole list lands in artifacts/every-page-<role>.json too."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .browser import SHOTS, needs_chromium, shot, sign_in

pytestmark = needs_chromium()

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PHONE = 390
# the lists whose links are followed (beyond the nav); a page elsewhere is visited, not crawled from
HUBS = ("/board", "/roster", "/gate", "/alerts", "/memorial", "/desk", "/risk", "/audit", "/custody", "/account")
SKIP = re.compile(r"^/(static|api|docs|openapi\.json|logout)(/|$)")
PER_KIND = 3  # a bounded set of each kind of record page: /missions/<id>, /shinobi/<id>, /custody/<id>, ...
MOST = 40  # pages per role
# role -> a demo login (src/missiondesk/demo.py)
ROLES = {"hokage": "hokage", "clerk": "iruka", "medic": "shizune", "anbu": "kakashi", "genin": "konohamaru"}
# pages a role reaches by typing the address, not by a link: what they must answer
EXPECTED = {"genin": {"/desk": 403, "/audit": 403}, "clerk": {"/desk": 403}, "anbu": {"/audit": 403},
            "medic": {"/desk": 403}}


def kind(path: str) -> str:
    """/missions/12 and /missions/13 are one kind; /roster?badge=fit and /roster are one too."""
    return re.sub(r"/\d+", "/<id>", urlsplit(path).path)


def links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for h in hrefs:
        u = urlsplit(h)
        if f"{u.scheme}://{u.netloc}" != base or SKIP.match(u.path):
            continue
        out.append(u.path + (f"?{u.query}" if u.query else ""))
    return out


def axe_violations(page) -> list[dict]:
    if page.evaluate("typeof axe === 'undefined'"):  # not already there by preload_axe
        page.evaluate(AXE)
    assert page.evaluate("typeof axe.run") == "function"
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))""")


def preload_axe(page) -> None:
    """axe-core in every page this tab opens from now on, before the page's own scripts (as an init script): sent
    to the browser once, not 650 kB over the wire and evaluated anew at each of the crawl's pages (about 0.1 s a
    page, 2 s a role)."""
    page.context.add_init_script(AXE)


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_a_role_can_reach(browser, village, role):
    server, _ = village
    page = sign_in(browser, village, ROLES[role])
    preload_axe(page)
    seen: list[str] = []
    queue = ["/board", *links(page, server.base), "/account", "/roster?badge=resting"]  # and one's account
    per_kind: Counter[str] = Counter()
    problems: dict[str, list[str]] = {}
    report = []
    while queue and len(seen) < MOST:
        path = queue.pop(0)
        if path in seen or per_kind[kind(path)] >= PER_KIND + (2 if kind(path) in HUBS else 0):
            continue
        seen.append(path)
        per_kind[kind(path)] += 1
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(path)
        status = response.status if response else 0
        found = []
        if status != 200:
            found.append(f"status {status}")
        if kind(path) in HUBS or re.fullmatch(r"/[a-z]+/<id>", kind(path)) and kind(path) in HUBS_OF_RECORDS:
            queue += [p for p in links(page, server.base) if p not in seen]
        found += check(page, role, path)
        if found:
            problems[path] = found
        report.append({"path": path, "status": status, "problems": found})
    for path, want in EXPECTED.get(role, {}).items():  # typed, not linked: the HTML page, with its status
        response = page.goto(path)
        found = [] if response.status == want else [f"status {response.status}, expected {want}"]
        if "<h1>" not in page.content():
            found.append("not an HTML page")
        found += check(page, role, path)
        if found:
            problems[path] = found
        report.append({"path": path, "status": response.status, "problems": found})
    (SHOTS.parent / f"every-page-{role}.json").write_text(json.dumps(report, indent=1))
    assert len(seen) >= 6, seen  # the crawl found the office
    assert not problems, "\n".join(f"{role} {p}: " + "; ".join(f) for p, f in problems.items())


HUBS_OF_RECORDS = ("/missions/<id>", "/shinobi/<id>", "/custody/<id>")  # their links lead on, within bounds


def test_the_checks_catch_what_they_look_for(browser, village):
    """The axe run and the width check can fail: an image without words and a wide block are caught."""
    page = sign_in(browser, village, "konohamaru")
    page.evaluate("""() => { const i = document.createElement("img"); i.src = "/static/none.png";
        document.querySelector("main").append(i); }""")
    assert "image-alt" in [v["id"] for v in axe_violations(page)]
    page.set_viewport_size({"width": PHONE, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    page.evaluate("""() => { const d = document.createElement("div"); d.textContent = "x";
        d.className = "wide-test"; d.setAttribute("hidden", ""); document.body.append(d);
        d.removeAttribute("hidden"); d.style.width = "600px"; }""")
    assert page.evaluate("document.documentElement.scrollWidth") > PHONE


def check(page, role: str, path: str) -> list[str]:
    """Axe at desktop width, the screenshots, and the phone: the page no wider than 390 px."""
    found = [f"axe {v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'])}" for v in axe_violations(page)]
    shot(page, f"every-{role}-{slug(path)}-1280")
    page.set_viewport_size({"width": PHONE, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE:
        wide = page.evaluate(f"""() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > {PHONE} + 1 && e.getClientRects().length)
            .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= {PHONE} + 1)
            .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : ""))""")
        found.append(f"scrolls sideways at {PHONE} px: {width} px wide ({', '.join(wide)})")
    shot(page, f"every-{role}-{slug(path)}-{PHONE}")
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


def test_a_failed_htmx_form_shows_its_message_in_place_and_a_lost_session_signs_in_again(browser, village):
    page = sign_in(browser, village, "hokage")
    page.get_by_role("link", name="Strike back at the lightning nin").click()
    page.wait_for_selector("#team-result", state="attached")
    mission_url = page.url
    page.get_by_label("Haruno Sakura").check()
    page.evaluate("""() => { document.querySelector("form[hx-post] input[name=csrf]").value = "forged"; }""")
    page.get_by_role("button", name="Send the team").click()
    box = page.locator("#team-result .error-box")
    box.wait_for()
    assert "CSRF_FAILED" in box.inner_text()
    assert page.url == mission_url and page.locator("form[hx-post]").count() == 1  # in place; the form stays
    assert page.locator("main h1").count() == 1  # no page inside the page
    shot(page, "every-htmx-error-box-1280")
    page.context.clear_cookies()  # the session is gone
    page.get_by_role("button", name="Send the team").click()
    page.wait_for_url(re.compile(r".*/login\?next="))
    assert urlsplit(page.url).query == f"next={urlsplit(mission_url).path}"  # back to the page, not the part
    assert page.get_by_label("Password").count() == 1 and page.locator("#team-result").count() == 0


def test_a_body_over_the_limit_is_boxed_in_place_too(browser, village):
    """The body limit answers before any page code runs, in JSON (413): page.js boxes its words in place."""
    page = sign_in(browser, village, "hokage")
    page.get_by_role("link", name="Strike back at the lightning nin").click()
    page.wait_for_selector("#team-result", state="attached")
    page.get_by_label("Haruno Sakura").check()
    page.evaluate("""() => { document.querySelector("#justification").value = "x".repeat(1100000); }""")
    page.get_by_role("button", name="Send the team").click()
    box = page.locator("#team-result .error-box")
    box.wait_for()
    assert "PAYLOAD_TOO_LARGE" in box.inner_text() and "{" not in box.inner_text()
    assert page.locator("form[hx-post]").count() == 1
