"""The alerts page in one read (cosmicpython's views.py): the alerts still to acknowledge and a page of the others,
the audience requests the caller may decide on them, and the names they mention."""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.access import Caller
from .alerts import AlertsView, read_alerts
from .custody import AudienceOnAlert, audiences_for
from .paging import Window
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class AlertsPage:
    alerts: AlertsView
    audiences: dict[int, AudienceOnAlert]  # by alert id: the audience request it names, where the caller decides it
    names: dict[int, str]  # the shinobi the alerts are about, and those who acknowledged them


@transactional(write=False)
def alerts_page(tx: Transaction, caller: Caller, window: Window) -> AlertsPage:
    view = read_alerts(tx, caller, window)
    shown = [v for v in view.waiting + view.others.items]
    audiences = audiences_for(tx, caller, [v.alert for v in shown])
    named = {i for v in shown for i in (v.alert.subject_shinobi_id, v.acknowledged_by) if i}
    names = tx.shinobi.names(named)
    return AlertsPage(view, audiences, names)
