"""The API explorer at /docs: Swagger UI from the app's own files, under a Content-Security-Policy."""
from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from missiondesk.adapters.web.security import CSP


@pytest.fixture
def database_url(tmp_path):
    """The explorer reads no table: SQLite alone (the engines' fixture would run each test twice)."""
    return f"sqlite:///{tmp_path / 'desk.db'}"


class Page(HTMLParser):
    """The URLs a page makes the browser fetch (src, href) and the text of its inline scripts and styles."""

    def __init__(self, html: str):
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[tuple[str, str]] = []
        self._open: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.urls += [a[k] for k in ("src", "href") if a.get(k)]
        self._open = tag if tag in ("script", "style") and not a.get("src") else None

    def handle_data(self, data):
        if self._open:
            self.inline.append((self._open, data))

    def handle_endtag(self, tag):
        self._open = None


def directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


def test_docs_loads_only_same_origin_files_and_each_one_answers(app):
    client = TestClient(app)
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = Page(r.text)
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"} <= set(page.urls)
    for url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), url  # same origin: a path, no host
        asset = client.get(url)
        assert asset.status_code == 200, (url, asset.status_code)
        assert len(asset.content) > 0
    assert client.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert "http://" not in r.text and "https://" not in r.text
    # the spec Swagger UI reads, same origin too
    assert "url: '/openapi.json'" in r.text and client.get("/openapi.json").status_code == 200


def test_docs_has_a_policy_with_no_other_host_and_no_unsafe_inline(app):
    r = TestClient(app).get("/docs")
    csp = r.headers["content-security-policy"]
    d = directives(csp)
    for directive, sources in d.items():
        for source in sources:
            assert source.startswith("'") or source == "data:", (directive, source)  # no host, no scheme but data:
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "*" not in csp
    assert d["default-src"] == ["'self'"] and d["object-src"] == ["'none'"] and d["frame-ancestors"] == ["'none'"]
    # exactly the page's one inline script is allowed, by its hash
    inline = [body for tag, body in Page(r.text).inline if tag == "script"]
    assert len(inline) == 1 and "SwaggerUIBundle(" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert d["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert d["style-src"] == ["'self'"]
    # and the rest of the site's headers
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


def test_every_other_response_keeps_the_site_policy_and_redoc_is_gone(app):
    client = TestClient(app)
    for path in ("/api/v1/health", "/docs/assets/swagger-ui.css", "/openapi.json", "/login"):
        assert client.get(path).headers["content-security-policy"] == CSP, path
    r = client.get("/redoc")
    assert r.status_code == 404 and r.headers["content-security-policy"] == CSP
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_the_shipped_swagger_ui_reads_openapi_3_1(app):
    """FastAPI writes OpenAPI 3.1; Swagger UI before 5 says 'Unable to render this definition' for it."""
    client = TestClient(app)
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    bundle = client.get("/docs/assets/swagger-ui-bundle.js").text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.(\d+)\.(\d+)"', bundle)
    assert version and int(version.group(1)) >= 5, version
