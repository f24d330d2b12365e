"""The API explorer (/docs) in a real headless Chromium with every host but this machine cut off: Swagger UI
comes from the app itself and runs under the site's Content-Security-Policy without a single violation."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .browser import needs_chromium, shot
from .conftest import Server

pytestmark = needs_chromium()

LOCAL = {"127.0.0.1", "localhost", "[::1]", "::1"}
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    s = Server(f"sqlite:///{tmp / 'desk.db'}", tmp)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def offline(browser, server):
    """A page whose requests to any host but this machine are aborted (and listed), with its console errors,
    uncaught errors and CSP violations listed too."""
    context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 900})
    seen = {"blocked": [], "errors": [], "failed": [], "requests": []}

    def route(r):
        if urlsplit(r.request.url).hostname in LOCAL or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on("request", lambda r: seen["requests"].append(r.url))
    try:
        yield page, seen
    finally:
        context.close()


def test_docs_renders_offline_under_the_policy_and_calls_the_api(offline, server):
    page, seen = offline
    response = page.goto("/docs")
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp
    health = page.locator("#operations-health-health_api_v1_health_get")
    health.wait_for(timeout=15_000)
    assert "/api/v1/health" in health.inner_text()
    assert page.locator(".opblock").count() > 30  # every operation, not just the first
    assert page.locator(".info .title").inner_text().startswith("missiondesk")

    # try it out: Swagger UI's request reaches the API (connect-src 'self')
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    live = health.locator(".live-responses-table tr.response td.response-col_status").first
    live.wait_for()
    assert live.inner_text().strip() == "200"
    assert '"status": "ok"' in health.locator(".live-responses-table .microlight").first.inner_text()

    # signed in through Authorize, a protected operation answers for the hokage
    page.get_by_role("button", name="Authorize").first.click()
    page.locator("#auth-bearer-value").fill(server.token())
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    me = page.locator("#operations-auth-me_api_v1_auth_me_get")
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    status = me.locator(".live-responses-table tr.response td.response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert "hokage" in me.locator(".live-responses-table .microlight").first.inner_text()
    shot(page, "20-api-explorer-offline")

    assert page.evaluate("window.__violations") == []
    assert seen["errors"] == [] and seen["failed"] == [] and seen["blocked"] == []
    assert all(urlsplit(u).hostname in LOCAL for u in seen["requests"]), seen["requests"]


def test_the_policy_is_enforced_on_docs(offline):
    """The watch can see a violation: an inline script the page did not ship is refused and reported."""
    page, seen = offline
    page.goto("/docs")
    page.locator(".opblock").first.wait_for(timeout=15_000)
    page.evaluate("""() => { window.__ran = false; const s = document.createElement('script');
                     s.textContent = 'window.__ran = true'; document.body.appendChild(s); }""")
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran") is False
    assert page.evaluate("window.__violations")[0].startswith("script-src")
    # and a CDN cannot be reached: a script from another host is refused by the policy before the network
    page.evaluate("""() => { const s = document.createElement('script');
                     s.src = 'https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js';
                     document.body.appendChild(s); }""")
    page.wait_for_function("window.__violations.length > 1")
    assert "cdn.jsdelivr.net" in page.evaluate("window.__violations")[1]
    assert seen["blocked"] == []  # refused by the policy, so never even sent
