"""The tests hash at argon2's least cost (tests/conftest.py, passwords.use_cost); production must not."""
from missiondesk.services import passwords


def test_production_hashes_at_owasps_cost_whatever_the_tests_use():
    hasher, dummy = passwords._PRODUCTION
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (2, 19 * 1024, 1)
    assert dummy.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords._hasher.time_cost == 1  # this process: the tests' cost, set before each test
    passwords.use_production_cost()
    try:
        assert passwords.hash_password("a long enough passphrase").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    finally:
        passwords.use_cost(time_cost=1, memory_cost=8, parallelism=1)
