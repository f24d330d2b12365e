import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from missiondesk.domain.audit import GENESIS, AuditEntry, canonical, chain_hash, verify

T0 = datetime(2026, 3, 14, tzinfo=UTC)


def chain(n: int) -> list[AuditEntry]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        at, details = T0 + timedelta(seconds=seq), {"i": seq, "note": f"entry {seq}"}
        h = chain_hash(prev, canonical(seq, at, "hokage", "test.entry", f"mission:{seq}", details))
        out.append(AuditEntry(seq, at, "hokage", "test.entry", f"mission:{seq}", details, prev, h))
        prev = h
    return out


def test_an_untouched_chain_verifies():
    check = verify(chain(1000))
    assert check.ok and check.entries == 1000 and check.first_bad_seq is None


@pytest.mark.parametrize("field,value", [("actor", "mallory"), ("action", "x.y"), ("target", "mission:999"),
                                         ("details", {"i": -1}), ("at", T0)])
@pytest.mark.parametrize("where", [1, 500, 1000])
def test_an_edited_field_is_caught_at_its_seq(field, value, where):
    entries = chain(1000)
    entries[where - 1] = dataclasses.replace(entries[where - 1], **{field: value})
    assert verify(entries).first_bad_seq == where


@pytest.mark.parametrize("where", [1, 2, 500, 999])
def test_a_deleted_row_is_caught(where):
    entries = chain(1000)
    del entries[where - 1]
    check = verify(entries)
    assert not check.ok and check.first_bad_seq == where


def test_a_swapped_pair_is_caught():
    entries = chain(1000)
    entries[10], entries[11] = entries[11], entries[10]
    assert verify(entries).first_bad_seq == 11
