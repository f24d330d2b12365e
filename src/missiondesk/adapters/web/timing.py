"""Every 404 takes the same time, so that the clock cannot tell a hidden thing from an absent one.

A mission the caller may not see answers the same 404 as one that does not exist, but finding it, judging it
and noting the denial costs more than a miss: half a millisecond in the service, enough for one request to
tell them apart two times in three (bench/oracle.py). The denial's audit entry is written off the request
path (adapters/db/journal.py); what is left is padded here: a 404 is not sent before `floor` seconds (25 ms) after
the request arrived. The same for every route, the pages included, so that no endpoint needs a twin of its
miss path.

The wait must end at the floor, not near it. asyncio's timers wake through epoll, whose timeout is whole
milliseconds rounded up: a 404 left waiting 21.3 ms would be sent 21.7 ms later, one left waiting 20.8 ms
exactly on time, so the overshoot gave away the work's length modulo a millisecond (bench/oracle.py reached
61 %). So the wait is asynchronous until `_FINE` before the floor (it holds no thread), and the last stretch
is slept by one of a few timer threads, with the clock's own precision, and handed back through the loop's
wake-up pipe, which is not rounded.
"""
from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Scope = dict[str, Any]

_FINE = 0.003  # the last stretch of a wait, slept in a timer thread (more than epoll's millisecond)
_timers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="missiondesk-404-floor")


async def wait_until(deadline: float) -> None:
    """Return at `deadline` (time.perf_counter), within the clock's precision rather than epoll's millisecond."""
    coarse = deadline - _FINE - time.perf_counter()
    if coarse > 0:
        await asyncio.sleep(coarse)
    if deadline - time.perf_counter() > 0:
        await asyncio.get_running_loop().run_in_executor(_timers, _sleep_until, deadline)


def _sleep_until(deadline: float) -> None:
    rest = deadline - time.perf_counter()
    if rest > 0:
        time.sleep(rest)


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
                await wait_until(started + self.floor)
            await send(message)

        await self.app(scope, receive, padded)
