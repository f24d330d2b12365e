from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain.gate import Direction, GateEvent, last_direction

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
