"""A PostgreSQL cluster of the test's own, on a free loopback port, that a test may restart.

The suite's shared server must never be stopped, so fault tests that restart the database use
a throw-away cluster made with Debian's ``initdb`` and driven with ``pg_ctl``. PostgreSQL refuses
to run as root: as root, the commands run as the ``postgres`` OS user through ``runuser``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

POSTGRES_LIB = Path("/usr/lib/postgresql")
OS_USER = "postgres"


def find_binaries() -> Path | None:
    """The newest installed ``bin`` directory holding ``initdb`` and ``pg_ctl``, if any."""
    found = [
        path / "bin"
        for path in POSTGRES_LIB.glob("*")
        if (path / "bin" / "initdb").is_file() and (path / "bin" / "pg_ctl").is_file()
    ]
    return max(
        found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, default=None
    )


def require_binaries() -> Path:
    """The binaries, or skip (fail under ``CI=true``) with the reason."""
    binaries = find_binaries()
    if binaries is not None and (os.geteuid() != 0 or _os_user_exists()):
        return binaries
    message = (
        f"a private PostgreSQL cluster needs initdb and pg_ctl under {POSTGRES_LIB}/<version>/bin "
        f"(Debian package postgresql) and, when run as root, the '{OS_USER}' OS user"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _os_user_exists() -> bool:
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrivateCluster:
    """A running cluster: ``url`` of its ``postgres`` database; ``restart`` stops it fast."""

    binaries: Path
    data_dir: Path
    port: int

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        command = [str(self.binaries / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OS_USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        options += " -c fsync=off -c full_page_writes=off -c max_connections=60"
        log = str(self.data_dir.parent / "server.log")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: every session is disconnected, as in a real restart."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """initdb a cluster in a fresh temp dir, start it, and remove everything afterwards."""
    binaries = require_binaries()
    home = Path(tempfile.mkdtemp(prefix="surveyapp-pg-"))
    data_dir = home / "data"
    if os.geteuid() == 0:
        os.chown(home, pwd.getpwnam(OS_USER).pw_uid, pwd.getpwnam(OS_USER).pw_gid)
    cluster = PrivateCluster(binaries, data_dir, _free_port())
    try:
        cluster._run(
            "initdb", "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-instructions", "--no-sync",
        )  # fmt: skip
        cluster.start()
        try:
            yield cluster
        finally:
            with suppress(subprocess.CalledProcessError):  # already stopped
                cluster.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
