"""One contract for every checkpoint store, and what only the file store must refuse."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal.audit import CheckpointFileInsecureError, CheckpointStore
from portal.audit.adapters.append_only_file import AppendOnlyFileCheckpointStore
from portal.audit.fakes import InMemoryCheckpointStore


@pytest.fixture(params=["file", "fake"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CheckpointStore]:
    if request.param == "file":
        yield AppendOnlyFileCheckpointStore(tmp_path / "checkpoints.log")
    else:
        yield InMemoryCheckpointStore()


def test_a_new_store_is_empty(store: CheckpointStore) -> None:
    assert store.lines() == [] and isinstance(store, CheckpointStore)


def test_appended_lines_come_back_in_order_and_build_sees_the_last(
    store: CheckpointStore,
) -> None:
    seen: list[str | None] = []

    def build(text: str) -> Callable[[str | None], str]:
        def line(last: str | None) -> str:
            seen.append(last)
            return text

        return line

    for text in ("one", "two"):
        store.append(build(text))
    assert store.lines() == ["one", "two"] and seen == [None, "one"]


def test_build_returning_none_appends_nothing(store: CheckpointStore) -> None:
    assert store.append(lambda last: None) is None
    assert store.lines() == []


def test_a_line_with_a_newline_is_refused(store: CheckpointStore) -> None:
    with pytest.raises(ValueError, match="newline"):
        store.append(lambda last: "a\nb")
    assert store.lines() == []


def test_concurrent_appends_each_see_the_line_before(store: CheckpointStore) -> None:
    def add() -> None:
        for _ in range(20):
            store.append(lambda last: str(int(last or "0") + 1))

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.lines() == [str(n) for n in range(1, 81)]


def test_the_file_is_created_readable_and_writable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.log"
    AppendOnlyFileCheckpointStore(path)
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_a_file_others_may_write_is_refused_at_start(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "checkpoints.log"
    path.write_text("")
    os.chmod(path, mode)
    with pytest.raises(CheckpointFileInsecureError, match="chmod 600"):
        AppendOnlyFileCheckpointStore(path)


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.log"
    target.write_text("")
    os.chmod(target, 0o600)
    (tmp_path / "checkpoints.log").symlink_to(target)
    with pytest.raises(CheckpointFileInsecureError):
        AppendOnlyFileCheckpointStore(tmp_path / "checkpoints.log")


def test_the_file_store_only_appends(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.log"
    store = AppendOnlyFileCheckpointStore(path)
    store.append(lambda last: "one")
    before = path.read_bytes()
    store.append(lambda last: "two")
    assert path.read_bytes().startswith(before)


def test_a_line_torn_by_a_crash_stays_apart_from_the_next(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.log"
    store = AppendOnlyFileCheckpointStore(path)
    store.append(lambda last: "one")
    with path.open("a") as handle:
        handle.write('{"torn')
    store.append(lambda last: "two")
    assert store.lines() == ["one", '{"torn', "two"]
