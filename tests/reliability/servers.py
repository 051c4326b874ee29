"""The product served by gunicorn as in production, in a process group a test may kill."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0


def product_env(database_url: str, instance_path: Path) -> dict[str, str]:
    """The server's settings: this database, no scheduler, no rate limits (one client address)."""
    return {
        "SURVEYAPP_DATABASE_URL": database_url,
        "SURVEYAPP_ENV": "development",
        "SURVEYAPP_SCHEDULER": "off",
        "SURVEYAPP_INSTANCE_PATH": str(instance_path),
        "SURVEYAPP_RATELIMIT_ENABLED": "false",
        "SURVEYAPP_LOG_LEVEL": "warning",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Gunicorn:
    """A running gunicorn master; ``workers()`` lists the processes serving requests."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill_workers(self) -> list[int]:
        """SIGKILL every worker at once, as the OOM killer would; the master starts new ones."""
        killed = self.workers()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        return killed

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            if _healthy(self.port):
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn never became ready: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


@contextmanager
def gunicorn(
    env: Mapping[str, str], log_dir: Path, *, workers: int = 2, threads: int = 1
) -> Iterator[Gunicorn]:
    """Serve ``wsgi:app`` on a free loopback port until the block ends."""
    port = _free_port()
    log_path = log_dir / f"gunicorn-{port}.log"
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}",
        "--workers", str(workers), "--threads", str(threads), "--graceful-timeout", "5",
        "--log-level", "warning", "wsgi:app",
    ]  # fmt: skip
    merged = {**os.environ, **env}
    merged.pop("GUNICORN_CMD_ARGS", None)
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=merged,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(process, port, log_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
