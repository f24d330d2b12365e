"""A small HTTP client over the app for tests: logins by username, JSON helpers."""
from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "test-password-123"


class Api:
    def __init__(self, client: TestClient, boot_password: str, clock: Any = None):
        self.client = client
        self.clock = clock  # the service's clock (tests/conftest.py TestClock): `api.clock.advance(days=1)`
        self.tokens: dict[str, str] = {}
        self.login("hokage", boot_password)

    def login(self, username: str, password: str = PASSWORD) -> None:
        r = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        self.tokens[username] = r.json()["access_token"]

    def req(self, who: str | None, method: str, path: str, **kw: Any):
        headers = dict(kw.pop("headers", {}))
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.request(method, "/api/v1" + path, headers=headers, **kw)

    def ok(self, who: str, method: str, path: str, status: int | tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        r = self.req(who, method, path, **kw)
        wanted = status if isinstance(status, tuple) else (status,)
        assert r.status_code in wanted, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def err(self, who: str | None, method: str, path: str, status: int, code: str, **kw: Any) -> dict:
        r = self.req(who, method, path, **kw)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        body = r.json()
        assert set(body) == {"error"} and body["error"]["code"] == code, body
        assert isinstance(body["error"]["message"], str) and isinstance(body["error"]["details"], list)
        return body["error"]

    def person(self, name: str, rank: str = "jonin", clearance: str = "public", username: str | None = None,
               roles: list[str] | None = None, divisions: list[str] | None = None,
               specialties: list[str] | None = None) -> int:
        body: dict[str, Any] = {"name": name, "rank": rank, "clearance": clearance, "divisions": divisions or [],
                                "specialties": specialties or []}
        if username:
            body["account"] = {"username": username, "password": PASSWORD, "roles": roles or []}
        sid = self.ok("hokage", "POST", "/shinobi", 201, json=body)["id"]
        if username:
            self.login(username)
        return sid

    def mission(self, rank: str = "D", who: str = "hokage", **fields: Any) -> dict:
        body = {"title": f"{rank} mission", "rank": rank, "kind": "chores", **fields}
        return self.ok(who, "POST", "/missions", 201, json=body)

    def open_mission(self, rank: str = "D", **fields: Any) -> int:
        m = self.mission(rank, **fields)
        for signer in ("hokage", "elder")[: {"A": 1, "S": 2}.get(rank, 0)]:
            self.ok(signer, "POST", f"/missions/{m['id']}/authorizations", 201)
        return m["id"]

    def audit(self, action: str | None = None) -> list[dict]:
        return self.ok("hokage", "GET", "/audit", params={"action": action} if action else {})

    def snapshot(self) -> dict:
        """Everything a refused command must leave as it was."""
        return {"missions": self.ok("hokage", "GET", "/missions"), "shinobi": self.ok("hokage", "GET", "/shinobi"),
                "audit": [e for e in self.audit() if not e["action"].startswith("authz.")]}
