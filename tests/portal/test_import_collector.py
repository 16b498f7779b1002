"""The import's collector pace is the import's own: the process gets its pace back."""

from __future__ import annotations

import gc
import threading

import pytest

from portal.importing.collector import IMPORT_THRESHOLDS, fewer_collections


@pytest.fixture(autouse=True)
def _process_pace():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_an_import_runs_at_its_own_pace_and_gives_the_process_its_pace_back():
    with fewer_collections():
        assert gc.get_threshold() == IMPORT_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_a_failing_import_gives_the_pace_back_too():
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("row 7 broke the batch")
    assert gc.get_threshold() == (700, 10, 10)


def test_the_last_of_two_overlapping_imports_restores_the_pace():
    first_inside, second_done = threading.Event(), threading.Event()

    def second() -> None:
        first_inside.wait()
        with fewer_collections():
            pass
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with fewer_collections():
        first_inside.set()
        second_done.wait()
        assert gc.get_threshold() == IMPORT_THRESHOLDS  # the second left, the first runs on
    thread.join()
    assert gc.get_threshold() == (700, 10, 10)
