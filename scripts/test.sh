#!/usr/bin/env bash
# Install missiondesk with its test tools into .venv, then run the whole suite:
# ruff, mypy, bandit, the unit/integration/e2e tests, and the shared acceptance files of resolved issues.
# PostgreSQL legs run when MISSIONDESK_TEST_POSTGRES / MISSIONDESK_ACCEPTANCE_POSTGRES are set
# (.ci/run sets both); without them those tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
ACCEPTANCE=(test_duty.py test_custody.py test_secrecy.py)

"$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"   # the acceptance harness starts `missiondesk`

ruff check src tests bench
mypy   # src/, as [tool.mypy] in pyproject.toml says
bandit --quiet --recursive src --severity-level high   # no high-severity finding
# the suite on two workers, a test file to each in turn (a file's module-scoped servers stay in one process);
# run alone afterwards, on an otherwise idle machine: the few tests that time the service's own waits, and the
# one that reads PostgreSQL's table files after a brief is burned (another worker's open transaction can keep
# VACUUM from removing the dead row, as CI saw once)
SERIAL=(tests/unit/test_not_found_floor.py tests/e2e/test_escalation.py tests/e2e/test_live_shutdown.py
        tests/integration/test_erasure.py)
# -m "": the slow tests too (pyproject's addopts leaves them out of a plain `pytest`), each exactly once; the files
# in collection order, the longest first (tests/conftest.py, LONGEST_FIRST), not xdist's most-tests-first
pytest -q -m "" -n 2 --dist loadfile --no-loadscope-reorder tests "${SERIAL[@]/#/--ignore=}"
pytest -q -m "" -p no:cacheprovider "${SERIAL[@]}"
shared=../shared/acceptance
if [ -z "${MISSIONDESK_ACCEPTANCE_POSTGRES:-}" ]; then
  pytest -q -p no:cacheprovider "${ACCEPTANCE[@]/#/$shared/}"
else
  # the SQLite leg and the PostgreSQL leg at once, one on each core (each is a client waiting on its own server,
  # a database of its own); the SQLite leg's report is printed after the PostgreSQL one's, and either failing fails
  sqlite_log=$(mktemp)
  env -u MISSIONDESK_ACCEPTANCE_POSTGRES pytest -q -p no:cacheprovider "${ACCEPTANCE[@]/#/$shared/}" \
    >"$sqlite_log" 2>&1 &
  sqlite_leg=$!
  echo "acceptance on PostgreSQL ($MISSIONDESK_ACCEPTANCE_POSTGRES), and on SQLite beside it"
  postgres_status=0
  pytest -q -p no:cacheprovider "${ACCEPTANCE[@]/#/$shared/}" || postgres_status=$?
  sqlite_status=0
  wait "$sqlite_leg" || sqlite_status=$?
  echo "acceptance on SQLite:"
  cat "$sqlite_log"
  rm -f "$sqlite_log"
  if [ "$postgres_status" -ne 0 ] || [ "$sqlite_status" -ne 0 ]; then
    echo "acceptance failed: PostgreSQL exit $postgres_status, SQLite exit $sqlite_status" >&2
    exit 1
  fi
fi
