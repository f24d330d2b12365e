"""The risk model's page as one read: the model in use, how many after-action reports a refit would learn from,
and whether the reader may refit it."""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.access import Caller
from ..domain.risk import RiskModel
from . import authz
from .risk import current_model
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class RiskScreen:
    model: RiskModel
    filed: int  # the reports a refit would learn from (risk.count_reports)
    may_refit: bool


@transactional(write=False)
def risk_screen(tx: Transaction, caller: Caller) -> RiskScreen:
    """What /risk shows; anyone signed in may read the model and the number it would be fitted from."""
    return RiskScreen(model=current_model(tx), filed=tx.risk.history_size(),
                      may_refit=authz.allowed(tx, caller, "refitRisk", authz.VILLAGE))


__all__ = ["RiskScreen", "risk_screen"]
