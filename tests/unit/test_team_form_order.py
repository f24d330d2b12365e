"""The team form's order (services/mission_view.first_in_order) names the same first people, in the same order,
as sorting everyone by the whole key did (the picked, then the eligible strongest first, then the rest; ties by
name, then by index), though it compares names only where they decide who is among the first."""
from __future__ import annotations

import numpy as np
import pytest

from missiondesk.services.mission_view import first_in_order


def by_the_whole_key(picked, eligible, strength, names, match, shown):
    """The order as the form computed it before: every name ranked, everyone sorted."""
    by_name = np.argsort(np.array(names, dtype=object), kind="stable")
    name_rank = np.empty(len(names), dtype=np.int64)
    name_rank[by_name] = np.arange(len(names))
    order = np.lexsort((name_rank, np.where(eligible, -strength, 0.0), ~eligible, ~picked))
    order = order[match[order]]
    return order[:shown], int(order.size)


@pytest.mark.parametrize("seed", range(300))
def test_the_first_shown_are_those_the_whole_sort_put_first(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 120))
    picked = rng.random(n) < rng.choice([0.0, 0.05, 0.5])
    eligible = rng.random(n) < rng.choice([0.0, 0.2, 0.7, 1.0])
    strength = np.round(rng.random(n) * rng.choice([1, 3, 1000]), 0 if seed % 3 else 3)  # many ties, or few
    names = tuple(f"{rng.choice(['Hyuga', 'Uchiha', 'Nara', 'hyuga', 'Ébisu'])} {int(rng.integers(0, 6))}"
                  for _ in range(n))  # the same name often
    match = rng.random(n) < rng.choice([1.0, 0.5, 0.1])
    shown = int(rng.integers(1, 50))
    got, matching = first_in_order(picked, eligible, strength, names, match, shown)
    want, want_matching = by_the_whole_key(picked, eligible, strength, names, match, shown)
    assert got.tolist() == want.tolist() and matching == want_matching


def test_nobody_matches():
    got, matching = first_in_order(np.zeros(3, bool), np.ones(3, bool), np.ones(3), ("a", "b", "c"),
                                   np.zeros(3, bool), 40)
    assert got.size == 0 and matching == 0
