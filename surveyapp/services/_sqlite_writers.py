"""SQLite writers take turns on an OS file lock before ``BEGIN IMMEDIATE``.

SQLite lets one writer at a time in; the others wait in its busy handler, which sleeps 1, 2, 5,
10, 25, 50, then 100 ms between attempts. Under a steady load of short writes (answers arriving
from several worker processes) those sleeps, not the writes, set the pace and the slowest
answers. A ``flock`` on a file next to the database is granted within a fraction of a
millisecond of its release, so writers queue here first and find SQLite's lock free.

The wait here is bounded by the busy timeout; after it, ``BEGIN IMMEDIATE`` runs anyway and
SQLite's own busy handling applies, so a forgotten lock costs time, never correctness. The lock
is released when the transaction ends (commit, rollback, or the connection going back to the
pool) and by the OS when a process dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

LOCK_FILE_SUFFIX = "-writers.lock"
_HANDLE = "surveyapp_writer_lock"
_FIRST_PAUSE_S = 0.0002
_LONGEST_PAUSE_S = 0.002


def install(engine: Engine, database_path: str, *, timeout_s: float) -> Callable[[Any], None]:
    """Release ``engine``'s writer lock whenever a transaction ends; return the wait for it.

    The engine's ``begin`` hook calls the returned function before ``BEGIN IMMEDIATE``.
    """
    lock_path = database_path + LOCK_FILE_SUFFIX

    def acquire(connection: Any) -> None:
        info = connection.connection.info
        handle = info.get(_HANDLE)
        if handle is None:
            handle = info[_HANDLE] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        _take(handle, timeout_s)

    def release_connection(connection: Any) -> None:
        _release(connection.connection.info)

    def release_record(_dbapi_connection: Any, record: Any) -> None:
        _release(record.info)

    def close_record(_dbapi_connection: Any, record: Any) -> None:
        handle = record.info.pop(_HANDLE, None)
        if handle is not None:
            os.close(handle)  # closing the descriptor also drops its lock

    event.listen(engine, "commit", release_connection)
    event.listen(engine, "rollback", release_connection)
    event.listen(engine.pool, "checkin", release_record)
    event.listen(engine.pool, "close", close_record)
    event.listen(engine.pool, "detach", close_record)
    return acquire


def _take(handle: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    pause = _FIRST_PAUSE_S
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return  # SQLite's busy handler takes over from here
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE_S)


def _release(info: dict[str, Any]) -> None:
    handle = info.get(_HANDLE)
    if handle is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
