"""How every page behaves when a request fails: htmx parts get the error box in place (or the whole window is sent
to sign in), browsers get the HTML error page for unknown routes and bad ids, and the API keeps its JSON."""
import re
from datetime import datetime

from fastapi.testclient import TestClient

from .api import Api
from .test_web import browser_for, csrf_of

HX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/missions/7?tab=team", "HX-Target": "team-result"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_an_htmx_request_signed_out_sends_the_whole_window_to_sign_in(app, api: Api):
    m = api.open_mission("D")
    c = TestClient(app)
    r = c.post(f"/missions/{m}/team", data={"csrf": "x"}, headers=HX, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["HX-Redirect"] == "/login?next=/missions/7%3Ftab%3Dteam"  # back to the page it was on
    assert "<form" not in r.text and "Password" not in r.text  # never a sign-in page inside a part
    page = c.get(f"/missions/{m}", headers=HTML, follow_redirects=False)  # a whole page: a 303 as before
    assert page.status_code == 303 and page.headers["location"] == f"/login?next=/missions/{m}"


def test_an_expired_session_in_an_htmx_part_signs_in_again(app, api: Api):
    m = api.open_mission("D")
    c = TestClient(app)
    c.cookies.set("md_session", "stale-token")
    r = c.get(f"/missions/{m}", headers=HX, follow_redirects=False)
    assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/login?next=")


def test_a_refused_htmx_form_gets_the_error_box_in_its_target(app, api: Api):
    me = api.person("Walker", username="walker")
    m = api.open_mission("D")
    c = browser_for(app, "walker")
    r = c.post(f"/missions/{m}/team", data={"shinobi_ids": [str(me)], "csrf": "forged"},
               headers={**HX, "HX-Trigger": "team-form"})
    assert r.status_code == 403
    assert r.headers["HX-Reswap"] == "innerHTML" and r.headers["HX-Reselect"] == "unset"
    assert "HX-Retarget" not in r.headers
    assert 'class="error-box" role="alert"' in r.text and "CSRF_FAILED" in r.text
    assert "<html" not in r.text and "<nav" not in r.text  # a fragment, not a page inside the page
    # a form that is its own target keeps itself: the box goes at its top
    r = c.post(f"/missions/{m}/team", data={"shinobi_ids": [str(me)], "csrf": "forged"},
               headers={**HX, "HX-Target": "team-form", "HX-Trigger": "team-form"})
    assert r.headers["HX-Retarget"] == "this" and r.headers["HX-Reswap"] == "afterbegin"


def test_bad_form_and_path_values_in_an_htmx_part_are_boxes_too(app, api: Api):
    me = api.person("Walker", username="walker")
    m = api.open_mission("D")
    c = browser_for(app, "walker")
    token = csrf_of(c.get(f"/missions/{m}").text)
    r = c.post(f"/missions/{m}/team", data={"shinobi_ids": ["not-a-number"], "csrf": token}, headers=HX)
    assert r.status_code == 422 and 'class="error-box"' in r.text and "VALIDATION_ERROR" in r.text
    assert "shinobi_ids" in r.text  # the field in words
    r = c.post("/missions/abc/team", data={"shinobi_ids": [str(me)], "csrf": token}, headers=HX)
    assert r.status_code == 404 and 'class="error-box"' in r.text
    r = c.post(f"/missions/{m + 999}/team", data={"shinobi_ids": [str(me)], "csrf": token}, headers=HX)
    assert r.status_code == 404 and 'class="error-box"' in r.text and "NOT_FOUND" in r.text


def test_base_page_tells_htmx_to_swap_refusals(app, api: Api):
    page = browser_for(app, "clerk").get("/board").text
    config = re.search(r"name=\"htmx-config\" content='([^']+)'", page).group(1)
    import json

    handling = json.loads(config)["responseHandling"]
    swapped = [h for h in handling if h["swap"]]
    for status in ("400", "403", "409", "413", "422"):
        first = next(h for h in handling if re.search(h["code"], status))
        assert first in swapped and first.get("error"), status
    assert '<script src="/static/page.js" defer></script>' in page
    assert TestClient(app).get("/static/page.js").status_code == 200


def test_unknown_routes_and_bad_ids_are_html_for_browsers(app, api: Api):
    c = browser_for(app, "clerk")
    for path, status in (("/nowhere", 404), ("/missions/abc", 404), ("/shinobi/abc", 404), ("/missions/999999", 404)):
        r = c.get(path, headers=HTML)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "<h1>Not found</h1>" in r.text and 'href="/board"' in r.text, path
    r = c.get("/logout", headers=HTML)  # a page's URL with the wrong method
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    signed_out = TestClient(app).get("/nowhere", headers=HTML)
    assert signed_out.status_code == 404 and "<h1>Not found</h1>" in signed_out.text


def test_the_api_and_non_browsers_keep_the_json_envelope(app, api: Api):
    c = browser_for(app, "clerk")
    for path, status, code in (("/api/v1/nowhere", 404, "NOT_FOUND"), ("/api/v1/missions/abc", 401, "UNAUTHENTICATED"),
                               ("/nowhere", 404, "NOT_FOUND")):
        headers = HTML if path.startswith("/api/") else {"Accept": "application/json"}
        r = c.get(path, headers=headers)
        assert r.status_code == status, path
        assert r.json()["error"]["code"] == code, path


def test_the_roster_shows_every_badge_of_a_person_and_the_filter_matches_any(app, api: Api):
    worst = api.person("Everything")
    api.person("Rested")
    for direction, at in (("out", "2026-03-07T06:00:00Z"), ("in", "2026-03-14T03:00:00Z")):
        api.ok("clerk", "POST", "/gate/events", 201, json={"direction": direction, "at": at, "shinobi_ids": [worst]})
    api.ok("medic", "POST", f"/shinobi/{worst}/restrictions", 201,
           json={"kind": "rest", "reason": "strain", "starts_at": "2026-03-14T04:30:00Z"})
    api.ok("medic", "POST", f"/shinobi/{worst}/welfare-holds", 201,
           json={"reason": "grief", "since": "2026-03-14T04:00:00Z"})
    api.ok("hokage", "POST", f"/shinobi/{worst}/sleep", 201,  # one hour's sleep in two days
           json={"start": "2026-03-12T20:00:00Z", "end": "2026-03-12T21:00:00Z"})
    c = browser_for(app, "clerk")

    def row(html: str, name: str) -> list[str]:
        part = html[html.index(f">{name}</a>"):]
        return re.findall(r'class="badge badge-([a-z_]+)"', part[:part.index("</tr>")])

    html = c.get("/roster").text
    assert row(html, "Everything") == ["resting", "rest_period", "off_duty", "on_hold", "unfit"]
    assert row(html, "Rested")[0] in ("fit", "caution", "unknown")
    for b in ("resting", "rest_period", "off_duty", "on_hold", "unfit"):  # each badge finds them
        filtered = c.get("/roster", params={"badge": b}).text
        assert ">Everything</a>" in filtered and ">Rested</a>" not in filtered, b
        assert re.search(rf'value="{b}" selected>[^<]*\((\d+)\)', filtered).group(1) == "1", b


def test_the_roster_shows_a_page_at_a_time_and_keeps_its_filters(app, api: Api, monkeypatch):
    from missiondesk.services import roster_view

    monkeypatch.setattr(roster_view, "ROSTER_PAGE", 3)
    for i in range(7):
        api.person(f"Page jonin {i}")
    c = browser_for(app, "clerk")
    names = re.compile(r'<a href="/shinobi/\d+">([^<]+)</a>')
    everyone = api.ok("hokage", "GET", "/shinobi")
    seen: list[str] = []
    url: str | None = "/roster"
    while url:
        html = c.get(url).text
        seen += names.findall(html)
        caption = re.search(r"<caption>(\d+) shinobi: (\d+)–(\d+) shown</caption>", html)
        assert caption and int(caption.group(1)) == len(everyone) and int(caption.group(2)) == len(seen) - \
            len(names.findall(html)) + 1
        nxt = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert len(seen) <= len(everyone)
    assert seen == [s["name"] for s in everyone]
    # the name filter rides along to the next page, and the first page is a link away
    html = c.get("/roster", params={"q": "page jonin"}).text
    assert names.findall(html) == ["Page jonin 0", "Page jonin 1", "Page jonin 2"]
    nxt = re.search(r'<a href="([^"]+)" rel="next">Next 3</a>', html).group(1).replace("&amp;", "&")
    assert "q=page+jonin" in nxt
    html = c.get(nxt).text
    assert names.findall(html) == ["Page jonin 3", "Page jonin 4", "Page jonin 5"]
    assert 'href="/roster?q=page+jonin">First page</a>' in html
    assert c.get("/roster", params={"after": "-5"}).status_code == 200  # a cursor from nowhere starts over


def test_the_board_shows_a_page_at_a_time_sorted_and_filtered_as_asked(app, api: Api, monkeypatch):
    from missiondesk.services import board_view

    monkeypatch.setattr(board_view, "BOARD_PAGE", 3)
    for i, rank in enumerate("DCDBDCD"):
        api.mission(rank, title=f"Board {i}", reward_ryo=(80_000 if rank == "B" else 40_000) + 1000 * i,
                    **({"classification": "secret"} if i == 4 else {}))
    visible = {m["title"] for m in api.ok("genin", "GET", "/missions") if m["title"].startswith("Board")}
    assert "Board 4" not in visible and len(visible) == 6
    c = browser_for(app, "genin")
    titles = re.compile(r'<a href="/missions/\d+">(Board \d)</a>')

    def walk(url: str) -> list[str]:
        seen: list[str] = []
        while url:
            html = c.get(url).text
            seen += titles.findall(html)
            nxt = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', html)
            url = nxt.group(1).replace("&amp;", "&") if nxt else ""
        return seen

    by_reward = walk("/board?sort=reward")
    assert by_reward == [f"Board {i}" for i in (3, 6, 5, 2, 1, 0)]  # the secret one never, on any page
    assert walk("/board?rank=D&sort=title") == ["Board 0", "Board 2", "Board 6"]
    html = c.get("/board", params={"sort": "reward", "page": "2"}).text
    assert "6 missions you may see: 4–6 shown (page 2 of 2)" in html
    assert 'href="/board?sort=reward&amp;page=1" rel="prev"' in html
    for junk in ("0", "-1", "x", "99999999"):  # a page from nowhere: the first, or the last
        assert c.get("/board", params={"page": junk, "sort": "reward"}).status_code == 200


def test_every_page_names_the_village_zone(app, api: Api):
    tz = app.state.container.settings.village_tz
    now = re.search(r'Now: <time datetime="([^"]+)">([^<]+)</time>', browser_for(app, "clerk").get("/roster").text)
    shown = datetime.fromisoformat(now.group(1)).astimezone(tz)
    assert now.group(2) == f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"


def test_a_redirect_after_an_htmx_form_moves_the_whole_window(app, api: Api):
    c = browser_for(app, "clerk")
    token = csrf_of(c.get("/board").text)
    r = c.post("/logout", data={"csrf": token}, headers=HX, follow_redirects=False)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/login" and "location" not in r.headers
    assert 'md_session=""' in r.headers.get("set-cookie", "")  # the cookies still go
    c = browser_for(app, "clerk")
    token = csrf_of(c.get("/board").text)
    r = c.post("/logout", data={"csrf": token}, follow_redirects=False)  # a whole page: the 303 as before
    assert r.status_code == 303 and r.headers["location"] == "/login"
