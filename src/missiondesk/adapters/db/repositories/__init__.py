"""Repositories: rows in, domain objects out. They never commit. One module per area."""
from .accounts import AccountRepository, TokenInfo
from .assignments import AssignmentRepository
from .audit import AuditRepository
from .base import _Repo
from .briefs import BriefRepository
from .custody import CustodyRepository
from .gate import GateRepository
from .medical import MedicalRepository, _hold, _restriction
from .missions import MissionRepository
from .risk import RiskRepository
from .shinobi import ShinobiRepository

__all__ = [
    "AccountRepository",
    "AssignmentRepository",
    "AuditRepository",
    "BriefRepository",
    "CustodyRepository",
    "GateRepository",
    "MedicalRepository",
    "MissionRepository",
    "RiskRepository",
    "ShinobiRepository",
    "TokenInfo",
    "_Repo",  # the base of the repositories in alerts.py and roster.py
    "_hold",  # row helpers roster.py shares
    "_restriction",
]
