"""The medic's forms on a shinobi's page: orders, holds, injuries, treatments, medication, notes."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
