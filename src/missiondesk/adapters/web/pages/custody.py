"""Custody: intake, transfers, release, audience requests."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
