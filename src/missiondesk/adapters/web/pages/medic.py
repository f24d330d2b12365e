"""The medic's forms on a shinobi's page: orders, holds, injuries, treatments, medication, notes.

Each form turns its fields into the command the API route builds and makes one service call; a refused or
invalid submit shows the service's message and code beside the form, with the error's status; success goes
back to the page, at the section that shows the result.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, overload

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ....domain.errors import DomainError, Invalid
from ....domain.medical import RestrictionKind
from ....domain.medical_records import Severity
from ....services import medical
from ..errors import status_for
from .common import PageContext, Posted, parse_local, see_other, shown_in_place
from .people import _shinobi_page

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form()]
LONG, SHORT = 2000, 100


@overload
def _text(value: str, what: str, limit: int = LONG, *, required: Literal[True] = True) -> str: ...
@overload
def _text(value: str, what: str, limit: int = LONG, *, required: bool) -> str | None: ...
def _text(value: str, what: str, limit: int = LONG, *, required: bool = True) -> str | None:
    value = value.strip()
    if not value:
        if required:
            raise Invalid(f"{what} is required", code="VALIDATION_ERROR")
        return None
    if len(value) > limit:
        raise Invalid(f"{what} is longer than {limit} characters", code="VALIDATION_ERROR")
    return value


def _plain(value: str, what: str, limit: int = LONG) -> str:
    """Text the service itself requires (it says REASON_REQUIRED, NOTE_REQUIRED...): only its length is checked."""
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"{what} is longer than {limit} characters", code="VALIDATION_ERROR")
    return value


def _when(value: str, ctx: PageContext, what: str) -> datetime:
    if not value.strip():
        raise Invalid(f"{what} is required", code="VALIDATION_ERROR")
    return parse_local(value, ctx)


def _optional_id(value: str, what: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise Invalid(f"{what} is not a number", code="VALIDATION_ERROR")
    return int(value)


def _act(request: Request, ctx: PageContext, shinobi_id: int, form_name: str, fields: dict[str, Any],
         do: Callable[[], int | None], section: str) -> Response:
    """Run the one service call; on a refusal, the page again with the message beside the form."""
    try:
        target = do()
    except DomainError as e:
        shown_in_place(e)
        return _shinobi_page(request, ctx, shinobi_id, http_status=status_for(e), error=f"{e.message} ({e.code})",
                             failed=form_name, form=fields)
    return see_other(f"/shinobi/{target or shinobi_id}#{section}")


# -- rest orders and light duty ----------------------------------------------------------------------------
@router.post("/shinobi/{shinobi_id}/restrictions")
def add_restriction(request: Request, ctx: Posted, shinobi_id: int, kind: Field = "", reason: Field = "",
                    starts_at: Field = "", ends_at: Field = "") -> Response:
    def do() -> None:
        if kind not in RestrictionKind.__members__.values():
            raise Invalid("choose rest or light duty", code="VALIDATION_ERROR")
        cmd = medical.AddRestriction(kind=RestrictionKind(kind), reason=_plain(reason, "the reason"),
                                     starts_at=_when(starts_at, ctx, "the start"),
                                     ends_at=parse_local(ends_at, ctx) if ends_at.strip() else None)
        medical.add_restriction(ctx.uow, ctx.caller, shinobi_id, cmd, ctx.now, policy=ctx.c.policy)

    return _act(request, ctx, shinobi_id, "restrict",
                {"kind": kind, "reason": reason, "starts_at": starts_at, "ends_at": ends_at}, do, "restrictions")


@router.post("/shinobi/{shinobi_id}/restrictions/{restriction_id}/file")
def file_restriction(request: Request, ctx: Posted, shinobi_id: int, restriction_id: int) -> Response:
    def do() -> int:
        return medical.file_restriction(ctx.uow, ctx.caller, restriction_id, ctx.now).shinobi_id

    return _act(request, ctx, shinobi_id, f"file-{restriction_id}", {}, do, "restrictions")


@router.post("/shinobi/{shinobi_id}/restrictions/{restriction_id}/lift")
def lift_restriction(request: Request, ctx: Posted, shinobi_id: int, restriction_id: int, at: Field = "",
                     note: Field = "") -> Response:
    def do() -> int:
        return medical.lift_restriction(ctx.uow, ctx.caller, restriction_id, _when(at, ctx, "the time"),
                                        _text(note, "the note", required=False), ctx.now).shinobi_id

    return _act(request, ctx, shinobi_id, f"lift-{restriction_id}", {"at": at, "note": note}, do, "restrictions")


# -- welfare holds -------------------------------------------------------------------------------------------
@router.post("/shinobi/{shinobi_id}/welfare-holds")
def add_hold(request: Request, ctx: Posted, shinobi_id: int, reason: Field = "", since: Field = "") -> Response:
    def do() -> None:
        medical.add_hold(ctx.uow, ctx.caller, shinobi_id, _plain(reason, "the reason"), _when(since, ctx, "since"),
                         ctx.now, policy=ctx.c.policy)

    return _act(request, ctx, shinobi_id, "hold", {"reason": reason, "since": since}, do, "holds")


@router.post("/shinobi/{shinobi_id}/welfare-holds/{hold_id}/lift")
def lift_hold(request: Request, ctx: Posted, shinobi_id: int, hold_id: int, at: Field = "", note: Field = ""
              ) -> Response:
    def do() -> int:
        return medical.lift_hold(ctx.uow, ctx.caller, hold_id, _when(at, ctx, "the time"),
                                 _plain(note, "the review's note"), ctx.now).shinobi_id

    return _act(request, ctx, shinobi_id, f"unhold-{hold_id}", {"at": at, "note": note}, do, "holds")


# -- the record: injuries, treatments, medication, notes --------------------------------------------------
@router.post("/shinobi/{shinobi_id}/injuries")
def add_injury(request: Request, ctx: Posted, shinobi_id: int, body_part: Field = "", kind: Field = "",
               severity: Field = "", at: Field = "", notes: Field = "") -> Response:
    def do() -> None:
        if severity not in Severity.__members__.values():
            raise Invalid("choose a severity", code="VALIDATION_ERROR")
        cmd = medical.AddInjury(body_part=_text(body_part, "the body part", SHORT),
                                kind=_text(kind, "the kind of injury", SHORT), severity=Severity(severity),
                                at=_when(at, ctx, "the time"), notes=_text(notes, "the notes", required=False))
        medical.add_injury(ctx.uow, ctx.caller, shinobi_id, cmd, ctx.now)

    return _act(request, ctx, shinobi_id, "injury", {"body_part": body_part, "kind": kind, "severity": severity,
                                                     "at": at, "notes": notes}, do, "injuries")


@router.post("/shinobi/{shinobi_id}/treatments")
def add_treatment(request: Request, ctx: Posted, shinobi_id: int, kind: Field = "", at: Field = "",
                  injury_id: Field = "", notes: Field = "") -> Response:
    def do() -> None:
        medical.add_treatment(ctx.uow, ctx.caller, shinobi_id, _text(kind, "the treatment", SHORT),
                              _when(at, ctx, "the time"), _optional_id(injury_id, "the injury"),
                              _text(notes, "the notes", required=False), ctx.now)

    return _act(request, ctx, shinobi_id, "treatment", {"kind": kind, "at": at, "injury_id": injury_id,
                                                        "notes": notes}, do, "treatments")


@router.post("/shinobi/{shinobi_id}/medications")
def add_medication(request: Request, ctx: Posted, shinobi_id: int, drug: Field = "", amount: Field = "1",
                   unit: Field = "", at: Field = "", injury_id: Field = "") -> Response:
    def do() -> None:
        try:
            dose = float(amount)
        except ValueError:
            raise Invalid("the amount is not a number", code="VALIDATION_ERROR") from None
        if not 0 < dose <= 1000:
            raise Invalid("a dose is more than zero and at most 1000", code="DOSE_INVALID")
        cmd = medical.AddMedication(drug=_text(drug, "the drug", SHORT).lower().replace(" ", "_"), amount=dose,
                                    unit=_text(unit, "the unit", 30), at=_when(at, ctx, "the time"),
                                    injury_id=_optional_id(injury_id, "the injury"))
        # the chakra-pill warning is shown beside the dose on the page, recomputed from the record
        medical.add_medication(ctx.uow, ctx.caller, shinobi_id, cmd, ctx.now)

    return _act(request, ctx, shinobi_id, "medication", {"drug": drug, "amount": amount, "unit": unit, "at": at,
                                                         "injury_id": injury_id}, do, "medication")


@router.post("/shinobi/{shinobi_id}/medical-notes")
def add_note(request: Request, ctx: Posted, shinobi_id: int, text: Field = "", at: Field = "") -> Response:
    def do() -> None:
        medical.add_note(ctx.uow, ctx.caller, shinobi_id, _plain(text, "the note", 20_000), _when(at, ctx, "the time"),
                         ctx.now)

    return _act(request, ctx, shinobi_id, "note", {"text": text, "at": at}, do, "notes")
