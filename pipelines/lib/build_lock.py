"""One build of a warehouse at a time: a second one is refused, never raced.

Two builds of the same warehouse would both write `<warehouse>.building` (the second one discarding the
first one's work as it starts). So a build holds an exclusive lock on `<warehouse>.lock` from before it
prepares the working file until it has published: `make build` (pipelines.build) and any run of the
Dagster job (the warehouse resource, for runs started from the UI, the schedule or the sensor) take it.
The operating system releases it when the process ends, however it ends, so a killed build never leaves
the warehouse locked. Within one process the lock is re-entrant (make build's run takes it again).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class BuildRunning(RuntimeError):
    """Another process is building this warehouse."""


_held: dict[str, list[int]] = {}  # lock path -> [file descriptor, holders in this process]


def lock_path(published: Path) -> Path:
    return published.with_name(published.name + ".lock")


def acquire(published: Path) -> None:
    """Take the warehouse's build lock, or raise BuildRunning (with the holder's process id) at once."""
    path = lock_path(published)
    key = str(path.resolve())
    if key in _held:
        _held[key][1] += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise BuildRunning(f"另一个构建正在写入仓库 {published}（进程 {holder}），本次构建不执行 / another build "
                           f"of {published} is running (process {holder}); this one is refused") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _held[key] = [fd, 1]


def release(published: Path) -> None:
    key = str(lock_path(published).resolve())
    held = _held.get(key)
    if held is None:
        return
    held[1] -= 1
    if held[1] == 0:
        del _held[key]
        os.close(held[0])  # closing the descriptor releases the lock
