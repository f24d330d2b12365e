from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain.gate import Direction, GateEvent, inside, last_direction

T0 = datetime(2026, 3, 1, tzinfo=UTC)
events = st.lists(st.tuples(st.integers(0, 500), st.sampled_from(list(Direction))), max_size=30)


@given(events, st.integers(-10, 510), st.randoms())
def test_presence_is_the_last_event_whatever_order_they_were_entered(raw, minute, rnd):
    es = [GateEvent(id=i, direction=d, at=T0 + timedelta(minutes=m)) for i, (m, d) in enumerate(raw)]
    t = T0 + timedelta(minutes=minute)
    shuffled = list(es)
    rnd.shuffle(shuffled)
    before = [e for e in es if e.at <= t]
    expected = max(before, key=lambda e: (e.at, e.id)).direction if before else None
    assert last_direction(shuffled, t) is expected


people = st.dictionaries(st.integers(1, 6), events, max_size=6)


@given(people, st.integers(-10, 510), st.sampled_from(list(Direction)), st.randoms())
def test_presence_of_everyone_is_their_own_last_event(raw, minute, before_any, rnd):
    """Events of many people, entered interleaved in any order: each person's presence depends only
    on their own last event at or before the time (or where they were before any)."""
    t = T0 + timedelta(minutes=minute)
    log, n = [], 0
    for person, evs in raw.items():
        for m, d in evs:
            n += 1
            log.append((person, GateEvent(id=n, direction=d, at=T0 + timedelta(minutes=m))))
    rnd.shuffle(log)
    for person in raw:
        mine = [e for p, e in log if p == person]
        seen = [e for e in mine if e.at <= t]
        expected = (max(seen, key=lambda e: (e.at, e.id)).direction if seen else before_any) is Direction.IN
        assert inside(mine, t, before_any=before_any) is expected
