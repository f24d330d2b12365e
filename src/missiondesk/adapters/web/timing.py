"""Every 404 takes the same time, so that the clock cannot tell a hidden thing from an absent one.

A mission the caller may not see answers the same 404 as one that does not exist, but finding it, judging it
and noting the denial costs more than a miss: half a millisecond in the service, enough for one request to
tell them apart two times in three (bench/oracle.py). The denial's audit entry is written off the request
path (adapters/db/journal.py); what is left is padded here: a 404 is not sent before `floor` seconds (25 ms) after
the request arrived. The same for every route, the pages included, so that no endpoint needs a twin of its
miss path. The wait is asynchronous: it holds no worker thread.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

Scope = dict[str, Any]


class NotFoundFloor:
    def __init__(self, app: Any, floor: float = 0.025):
        self.app = app
        self.floor = floor

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.floor <= 0:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def padded(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] == 404:
                wait = started + self.floor - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
            await send(message)

        await self.app(scope, receive, padded)
