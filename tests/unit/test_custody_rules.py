"""The custody chain's rules: in order, forward in time, and ended for good."""
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain.custody import (
    AudienceRequest,
    AudienceStatus,
    Detainee,
    DetaineeStatus,
    Link,
    check_audience_request,
    check_decision,
    check_release,
    check_transfer,
)
from missiondesk.domain.errors import Conflict, Invalid

T0 = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)


def held(*links: tuple[tuple[int, ...], int], status=DetaineeStatus.HELD, ended=None) -> Detainee:
    chain = tuple(Link(id=i + 1, custodian_ids=ids, at=T0 + timedelta(hours=h)) for i, (ids, h) in enumerate(links))
    return Detainee(id=1, name="agent", origin=None, status=status, detained_since=T0, chain=chain, ended_at=ended)


AGENT = held(((1, 2), 0), ((3, 4, 5), 33))


def test_a_transfer_after_the_last_link_is_accepted():
    check_transfer(AGENT, (6, 7), T0 + timedelta(hours=34))


@pytest.mark.parametrize("to_ids,hours,error,code", [
    ((6,), 33, Invalid, "CUSTODY_TIME_BEFORE_LAST_LINK"),
    ((6,), 10, Invalid, "CUSTODY_TIME_BEFORE_LAST_LINK"),
    ((), 40, Invalid, "CUSTODIANS_REQUIRED"),
    ((6, 6), 40, Invalid, "CUSTODIAN_DUPLICATE"),
    ((5, 4, 3), 40, Invalid, "CUSTODY_UNCHANGED"),
])
def test_bad_transfers(to_ids, hours, error, code):
    with pytest.raises(error) as e:
        check_transfer(AGENT, to_ids, T0 + timedelta(hours=hours))
    assert e.value.code == code


@pytest.mark.parametrize("status", [DetaineeStatus.RELEASED, DetaineeStatus.TRANSFERRED_OUT])
def test_nothing_follows_the_end_of_custody(status):
    gone = held(((1,), 0), status=status, ended=T0 + timedelta(days=1))
    for check in (lambda: check_transfer(gone, (2,), T0 + timedelta(days=2)),
                  lambda: check_release(gone, T0 + timedelta(days=2)),
                  lambda: check_audience_request(gone, T0 + timedelta(days=2))):
        with pytest.raises(Conflict) as e:
            check()
        assert e.value.code == "DETAINEE_NOT_HELD"
    assert gone.custodian_ids == ()


def test_a_decision_is_made_once_and_not_before_the_request():
    r = AudienceRequest(id=1, with_="hokage", at=T0)
    check_decision(r, T0)
    with pytest.raises(Invalid):
        check_decision(r, T0 - timedelta(minutes=1))
    with pytest.raises(Conflict):
        check_decision(AudienceRequest(id=1, with_="hokage", at=T0, status=AudienceStatus.GRANTED), T0)


def test_held_for_runs_until_the_end():
    assert AGENT.held_for(T0 + timedelta(hours=60)) == timedelta(hours=60)
    gone = held(((1,), 0), status=DetaineeStatus.RELEASED, ended=T0 + timedelta(hours=5))
    assert gone.held_for(T0 + timedelta(days=9)) == timedelta(hours=5)


@given(st.lists(st.tuples(st.frozensets(st.integers(1, 20), min_size=1, max_size=6), st.integers(1, 48)),
                max_size=12), st.integers(-5, 700))
def test_the_custodians_at_any_time_are_the_last_link_before_it(steps, minute):
    d = held(((100,), 0))
    at = T0
    for ids, gap in steps:  # build the chain the way the service does: only accepted transfers are added
        at = at + timedelta(minutes=gap)
        try:
            check_transfer(d, tuple(sorted(ids)), at)
        except Invalid:
            continue
        d = Detainee(id=1, name="agent", origin=None, status=DetaineeStatus.HELD, detained_since=T0,
                     chain=(*d.chain, Link(id=len(d.chain) + 1, custodian_ids=tuple(sorted(ids)), at=at)))
    assert [link.at for link in d.chain] == sorted(link.at for link in d.chain)
    assert len({link.at for link in d.chain}) == len(d.chain)
    t = T0 + timedelta(minutes=minute)
    before = [link for link in d.chain if link.at <= t]
    assert d.custodians_at(t) == (before[-1].custodian_ids if before else ())
