"""What every page shows around its own screen, read with the sign-in in one unit of work: who is signed in,
their alert badge, and whether the custody menu is theirs (a page's own screen is its view's one read)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.access import Caller
from .alerts import AlertSummary
from .auth import signed_in_caller
from .custody import is_custody_keeper
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class PageFrame:
    caller: Caller
    alerts: AlertSummary  # the badge: unread, and awaiting an acknowledgement
    keeper: bool  # the hokage or the ANBU: custody in the menu


def frame_of(tx: Transaction, caller: Caller) -> PageFrame:
    return PageFrame(caller, AlertSummary(*tx.alerts.summary(caller.shinobi_id)), is_custody_keeper(tx, caller))


@transactional(write=False)
def page_frame(tx: Transaction, token: str, now: datetime) -> PageFrame:
    """The page's signed-in caller (Unauthenticated for a token unknown, expired or revoked) and their frame."""
    return frame_of(tx, signed_in_caller(tx, token, now))


@transactional(write=False)
def frame_again(tx: Transaction, caller: Caller) -> PageFrame:
    """The frame read again, for a page rendered after its request changed something (a form posted)."""
    return frame_of(tx, caller)
