"""Sign-in throttling: growing delays per key, forgetting, and the office's address not held account-wide."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain.throttle import Count, Key, Rule, Scope, ThrottlePolicy, after_failure, judge

T0 = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)
POLICY = ThrottlePolicy()


def fail(n: int, key: Key, at: datetime = T0) -> dict[Key, Count]:
    count = Count()
    for _ in range(n):
        count = after_failure(count, at, POLICY)
    return {key: count}


def test_the_delays_grow_after_the_free_attempts_up_to_the_cap():
    pair = Key(Scope.PAIR, "hokage\n203.0.113.9")
    assert judge(fail(2, pair), T0).allowed
    waits = [judge(fail(n, pair), T0).retry_after for n in range(3, 16)]
    assert waits[:5] == [timedelta(seconds=s) for s in (1, 2, 4, 8, 16)]
    assert waits[-1] == timedelta(minutes=15)  # capped
    account = Key(Scope.ACCOUNT, "hokage")
    assert judge(fail(40, account), T0).retry_after == timedelta(minutes=1)  # account-wide: a minute at most


def test_a_wait_ends_and_old_failures_are_forgotten():
    pair = Key(Scope.PAIR, "hokage\nx")
    counts = fail(5, pair)
    assert not judge(counts, T0 + timedelta(seconds=3)).allowed
    assert judge(counts, T0 + timedelta(seconds=4)).allowed
    later = T0 + POLICY.forget + timedelta(seconds=1)
    assert after_failure(counts[pair], later, POLICY).failures == 1  # forgotten: counting starts again


def test_an_address_the_account_signed_in_from_is_not_held_account_wide():
    assert [k.scope for k in Key.all_for("hokage", "10.0.0.5", known_source=True)] == [Scope.PAIR, Scope.SOURCE]
    assert Scope.ACCOUNT in [k.scope for k in Key.all_for("hokage", "10.0.0.5", known_source=False)]


@given(free=st.integers(0, 10), n=st.integers(0, 60), base_s=st.integers(1, 10), cap_m=st.integers(1, 60))
def test_the_delay_never_shrinks_with_another_failure_and_never_passes_the_cap(free, n, base_s, cap_m):
    rule = Rule(free=free, base=timedelta(seconds=base_s), cap=timedelta(minutes=cap_m))
    assert rule.delay(n) <= rule.delay(n + 1) <= rule.cap
    assert (rule.delay(n) == timedelta(0)) == (n < free)


@given(st.lists(st.tuples(st.sampled_from(list(Scope)), st.integers(0, 30)), min_size=1, max_size=3,
                unique_by=lambda t: t[0]))
def test_an_attempt_waits_for_the_slowest_key(keys):
    counts = {}
    for scope, n in keys:
        counts.update(fail(n, Key(scope, "s")))
    verdict = judge(counts, T0)
    longest = max(POLICY.rule(s).delay(n) if n else timedelta(0) for s, n in keys)
    assert verdict.retry_after == longest and verdict.allowed == (longest == timedelta(0))


def test_a_racing_claim_a_moment_ahead_holds_nobody_within_the_free_attempts():
    """Two sign-ins from one address at once: the other request's claim may carry a failure 5 ms after this
    one's `now`. Within the free attempts there is nothing to wait for (it answered 429 before)."""
    ahead = T0 + timedelta(milliseconds=5)
    assert judge({Key(Scope.SOURCE, "203.0.113.9"): Count(1, ahead)}, T0).allowed
    held = judge(fail(3, Key(Scope.PAIR, "hokage\nx"), at=ahead), T0)
    assert held.retry_after == timedelta(seconds=1)  # past them: the wait counts from now, not from ahead
