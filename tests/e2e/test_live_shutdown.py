"""Every page holds a live stream of alerts open (server-sent events). A server told to stop must not wait out
those streams (up to 5 minutes each): it gives open responses 2 seconds, then ends them."""
from __future__ import annotations

import time

import httpx

from missiondesk.adapters.web.security import LOGIN_CSRF_COOKIE

from ..conftest import BOOT_PASSWORD


def test_a_server_with_a_live_page_open_stops_within_seconds(server):
    with httpx.Client(base_url=server.base, timeout=10) as http:
        http.get("/login")
        r = http.post("/login", data={"username": "hokage", "password": BOOT_PASSWORD,
                                      "csrf": http.cookies[LOGIN_CSRF_COOKIE], "next": "/board"})
        assert r.status_code in (200, 303), r.text[:300]
        with http.stream("GET", "/events/alerts") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            first = next(line for line in stream.iter_lines() if line.startswith("data:"))
            assert "unread" in first
            t0 = time.monotonic()
            server.proc.terminate()
            server.proc.wait(15)
            stopped = time.monotonic() - t0
    assert stopped < 5, f"the server took {stopped:.1f} s to stop with a live page open"
