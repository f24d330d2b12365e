"""`serve` freezes what start-up made out of the garbage collector's generations and makes young collections
rarer (adapters/cli/serve.quiet_collector): full passes no longer walk the app's long-lived objects during a
request (bench: the roster page's read, p95 237 -> 105-109 ms in process)."""
import gc

from missiondesk.adapters.cli.serve import quiet_collector


def test_start_up_is_frozen_and_cycles_are_still_collected():
    before = gc.get_threshold()
    try:
        quiet_collector()
        assert gc.get_freeze_count() > 0 and gc.get_threshold() == (50_000, 10, 10)

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle made after the freeze
        gone = id(a)
        del a, b
        gc.collect()
        assert all(id(o) != gone for o in gc.get_objects() if isinstance(o, Node))
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
