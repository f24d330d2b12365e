"""The tests hash at argon2's least cost (tests/conftest.py, passwords.use_cost); production must not."""
import subprocess
import sys
import textwrap

from missiondesk.services import passwords


def test_production_hashes_at_owasps_cost_whatever_the_tests_use():
    hasher = passwords._PRODUCTION
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (2, 19 * 1024, 1)
    assert passwords._dummy(hasher).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords._hasher.time_cost == 1  # this process: the tests' cost, set before each test
    passwords.use_production_cost()
    try:
        assert passwords.hash_password("a long enough passphrase").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    finally:
        passwords.use_cost(time_cost=1, memory_cost=8, parallelism=1)


def test_the_dummy_for_unknown_names_is_made_at_the_hashers_cost():
    """An unknown name is checked against a dummy hash of the cost in use, as long as a known name's check."""
    assert not passwords.verify_password(None, passwords._DUMMY_PASSWORD)  # no account: never a match
    assert passwords._dummy(passwords._hasher).startswith("$argon2id$v=19$m=8,t=1,p=1$")
    known = passwords.hash_password("a long enough passphrase")
    assert passwords.verify_password(known, "a long enough passphrase")
    assert not passwords.verify_password(known, "another passphrase")


def test_importing_hashes_nothing_and_the_first_check_makes_the_dummy_once():
    """The dummy hash costs an argon2 hash (about 40 ms): made at the first check of a password, of a known name
    or not (so that check's time does not tell which), then kept; importing the module makes none."""
    script = textwrap.dedent("""
        import argon2

        made = []
        hash_ = argon2.PasswordHasher.hash
        argon2.PasswordHasher.hash = lambda self, password, **kw: made.append(password) or hash_(self, password, **kw)

        from missiondesk.services import passwords

        assert made == [], made
        known = passwords.hash_password("a long enough passphrase")
        assert len(made) == 1
        assert passwords.verify_password(known, "a long enough passphrase")  # the first check: a known name
        assert made[1:] == [passwords._DUMMY_PASSWORD], made
        assert not passwords.verify_password(None, "a long enough passphrase")
        assert not passwords.verify_password(None, "a long enough passphrase")
        assert len(made) == 2, made
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
