"""What the browser tests share: Debian's Chromium driven by Playwright, the demo village on a server of each
module's own (on the demo's clock), signing in, screenshots.

Screenshots land in artifacts/screenshots/ (override with MISSIONDESK_SCREENSHOTS).
"""
from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from missiondesk.config import Settings
from missiondesk.demo import seed_demo

from .conftest import Server

CHROMIUM = os.environ.get("MISSIONDESK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("MISSIONDESK_SCREENSHOTS")
             or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def needs_chromium() -> list:
    """A browser module's `pytestmark`: skipped without Chromium, unless MISSIONDESK_REQUIRE_BROWSER (then an error)."""
    if Path(CHROMIUM).exists():
        return []
    if os.environ.get("MISSIONDESK_REQUIRE_BROWSER"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}, and MISSIONDESK_REQUIRE_BROWSER is set")
    return [pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt install chromium)")]


def demo_village(tmp_path_factory):
    """Seed the demo village and serve it on its clock (the dawn of its night); yields (server, password)."""
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'demo.db'}"
    logins = seed_demo(Settings(database_url=url))
    # the demo's clock: the dawn of its night, as `missiondesk demo` serves it
    server = Server(url, tmp, clock=logins.settings.clock.now().isoformat())
    try:
        yield server, logins.password
    finally:
        server.stop()


def chromium():
    """Debian's Chromium, headless (the flags this machine needs)."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def sign_in(browser, village, username: str, width: int = 1280):
    server, password = village
    page = browser.new_context(viewport={"width": width, "height": 900}, base_url=server.base).new_page()
    page.goto("/board")
    assert "/login" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/board$"))
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def dawn() -> str:
    """Her departure at 06:30 on the demo's night (its clock starts at 06:25)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT06:30")


def open_mission(page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    page.wait_for_selector("h1")




# -- reading the record over the API beside a browser test ------------------------------------------------------
def ok(response, status: int = 200):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def mission_id(hokage, title: str) -> int:
    [m] = [m for m in ok(hokage.get("/missions")) if m["title"] == title]
    return m["id"]


def server_now(client) -> datetime:
    return datetime.fromisoformat(ok(client.get("/gate/present"))["at"])
