"""The clerk's forms: shinobi and accounts, partners, missions (post, edit, cancel), briefs."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
