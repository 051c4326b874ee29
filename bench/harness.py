"""Benchmark harness: serve a WSGI app with gunicorn, load it with wrk, compare to a reference."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CEILING_APP = "bench.ceiling_app:app"
MAX_ERROR_RATIO = 0.01
STARTUP_TIMEOUT_S = 30.0
GRACEFUL_TIMEOUT_S = 10
LOG_TAIL_LINES = 40

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE_RE = re.compile(
    r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE
)
_RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL_RE = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_SOCKET_ERRORS_RE = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
)
_NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses: (\d+)")


class BenchError(RuntimeError):
    """A benchmark could not produce a trustworthy figure."""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles (ms) and failure counts."""

    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    requests: int = 0


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    """Return a port that was free a moment ago (bind to port 0 and let the OS choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def require_gunicorn() -> None:
    """Raise unless gunicorn is importable by this interpreter."""
    if importlib.util.find_spec("gunicorn") is None:
        raise BenchError(f"gunicorn is not importable by {sys.executable}; use the project venv")


def _gunicorn_command(app_spec: str, port: int, workers: int, config: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(config),
        "--chdir",
        str(PROJECT_ROOT),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--graceful-timeout",
        str(GRACEFUL_TIMEOUT_S),
        "--log-level",
        "warning",
        app_spec,
    ]


def server_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """Return this environment plus ``env``, without gunicorn's override variable."""
    merged = {**os.environ, **(env or {})}
    merged.pop("GUNICORN_CMD_ARGS", None)
    return merged


def _log_tail(log_path: Path) -> str:
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no server log)"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(server log is empty)"


def _http_status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def _port_accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_ready(
    process: subprocess.Popen[bytes], port: int, path: str, timeout: float, log_path: Path
) -> None:
    """Poll until ``path`` answers 2xx; raise if the server exits or the deadline passes."""
    deadline = time.monotonic() + timeout
    last_status: int | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(
                f"gunicorn exited with code {process.returncode} before answering {path}:\n"
                f"{_log_tail(log_path)}"
            )
        if _port_accepts(port):
            last_status = _http_status(port, path)
            if last_status is not None and 200 <= last_status < 300:
                return
        time.sleep(0.05)
    raise BenchError(
        f"server did not answer 2xx on {path} within {timeout:.0f}s "
        f"(last status: {last_status}):\n{_log_tail(log_path)}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn with SIGTERM and wait; SIGKILL its process group if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=GRACEFUL_TIMEOUT_S + 5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def serve(
    app_spec: str,
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    ready_path: str = "/healthz",
    startup_timeout: float = STARTUP_TIMEOUT_S,
) -> Iterator[str]:
    """Serve ``module:attr`` with gunicorn from the project root; yield the base URL."""
    require_gunicorn()
    with tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as workdir:
        config = Path(workdir) / "gunicorn.conf.py"  # empty: ignore any project gunicorn config
        config.write_text("")
        log_path = Path(workdir) / "gunicorn.log"
        port = free_port()
        command = _gunicorn_command(app_spec, port, workers, config)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=server_env(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_ready(process, port, ready_path, startup_timeout, log_path)
            yield f"http://{HOST}:{port}"
        finally:
            stop(process)


# --- wrk --------------------------------------------------------------------------------------


def require_wrk() -> str:
    """Return the path of wrk; raise if it is not installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed (on Debian: apt-get install -y wrk)")
    return wrk


def require_tools() -> None:
    """Fail before starting anything when wrk or gunicorn is missing."""
    require_wrk()
    require_gunicorn()


def _lua_string(value: str) -> str:
    """Quote ``value`` as a Lua 5.1 string literal (non-printable bytes as decimal escapes)."""
    out = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        printable = 0x20 <= byte < 0x7F and char not in '"\\'
        out.append(char if printable else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def lua_script(method: str, body: str | None, headers: Mapping[str, str] | None) -> str:
    """Return a wrk Lua script that sets the request method, body and headers."""
    lines = [f"wrk.method = {_lua_string(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    return "\n".join(lines) + "\n"


def wrk_command(
    wrk: str, url: str, *, duration: int, connections: int, threads: int, script: Path | None
) -> list[str]:
    command = [
        wrk,
        "--latency",
        "--duration",
        f"{duration}s",
        "--connections",
        str(connections),
        "--threads",
        str(threads),
        "--timeout",
        "10s",
    ]
    if script is not None:
        command += ["--script", str(script)]
    return [*command, url]


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _TIME_UNITS_MS[unit]


def parse_wrk_output(output: str) -> WrkResult:
    """Parse the text wrk prints with ``--latency`` into a :class:`WrkResult`."""
    rps = _RPS_RE.search(output)
    percentiles = {m[1]: _to_ms(m[2], m[3]) for m in _PERCENTILE_RE.finditer(output)}
    if rps is None or not {"50", "90", "99"} <= percentiles.keys():
        raise BenchError(f"could not parse wrk output:\n{output}")
    total = _TOTAL_RE.search(output)
    socket_errors = _SOCKET_ERRORS_RE.search(output)
    non_2xx = _NON_2XX_RE.search(output)
    return WrkResult(
        requests_per_second=float(rps[1]),
        p50_ms=percentiles["50"],
        p90_ms=percentiles["90"],
        p99_ms=percentiles["99"],
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        errors=sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        requests=int(total[1]) if total else 0,
    )


def check_result(result: WrkResult, max_error_ratio: float = MAX_ERROR_RATIO) -> None:
    """Raise when wrk saw no requests, or socket errors / non-2xx above ``max_error_ratio``."""
    if result.requests <= 0:
        raise BenchError("wrk completed no requests")
    for label, count in (("socket errors", result.errors), ("non-2xx responses", result.non_2xx)):
        if count / result.requests > max_error_ratio:
            raise BenchError(
                f"wrk reported {count} {label} out of {result.requests} requests "
                f"(limit {max_error_ratio:.0%})"
            )


def _run_wrk_once(command: list[str]) -> str:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BenchError(
            f"wrk failed with code {completed.returncode}: {completed.stderr or completed.stdout}"
        )
    return completed.stdout


def run_wrk(
    url: str,
    *,
    method: str = "GET",
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    duration: int = 10,
    connections: int = 16,
    threads: int = 2,
    warmup: int = 1,
    max_error_ratio: float = MAX_ERROR_RATIO,
) -> WrkResult:
    """Load ``url`` with wrk (after a discarded warm-up run) and return the checked figures."""
    wrk = require_wrk()
    if threads > connections:
        raise BenchError(f"threads ({threads}) must not exceed connections ({connections})")
    with tempfile.TemporaryDirectory(prefix="surveyapp-wrk-") as workdir:
        script: Path | None = None
        if method != "GET" or body is not None or headers:
            script = Path(workdir) / "request.lua"
            script.write_text(lua_script(method, body, headers))
        if warmup > 0:
            _run_wrk_once(
                wrk_command(
                    wrk,
                    url,
                    duration=warmup,
                    connections=connections,
                    threads=threads,
                    script=script,
                )
            )
        output = _run_wrk_once(
            wrk_command(
                wrk, url, duration=duration, connections=connections, threads=threads, script=script
            )
        )
    result = parse_wrk_output(output)
    check_result(result, max_error_ratio)
    return result


# --- reporting --------------------------------------------------------------------------------


def _ratio(measured: float, reference: float) -> str:
    return f"{measured / reference:.2f}x" if reference > 0 else "n/a"


def print_result(name: str, result: WrkResult) -> None:
    """Print the absolute figures of one run (noisy: use them only as context)."""
    print(
        f"{name:<32} {result.requests_per_second:9.1f} req/s   "
        f"p50 {result.p50_ms:7.2f} ms   p90 {result.p90_ms:7.2f} ms   p99 {result.p99_ms:7.2f} ms"
    )


def print_ratio(name: str, measured: WrkResult, reference: WrkResult) -> None:
    """Print throughput and p99 ratios (measured / reference), absolute numbers in parentheses."""
    rps = (
        f"req/s {_ratio(measured.requests_per_second, reference.requests_per_second):>6} "
        f"({measured.requests_per_second:.1f} vs {reference.requests_per_second:.1f})"
    )
    p99 = (
        f"p99 {_ratio(measured.p99_ms, reference.p99_ms):>6} "
        f"({measured.p99_ms:.2f} vs {reference.p99_ms:.2f} ms)"
    )
    print(f"{name:<32} {rps:<36} {p99}")


# --- CLI --------------------------------------------------------------------------------------


def ceiling_env(workdir: Path) -> dict[str, str]:
    """Environment for the ceiling app with a fresh SQLite database inside ``workdir``."""
    return {"CEILING_DATABASE_URL": f"sqlite:///{workdir / 'ceiling.sqlite3'}"}


def _parse_pairs(pairs: Sequence[str], separator: str) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        key, found, value = pair.partition(separator)
        if not found:
            raise BenchError(f"expected KEY{separator}VALUE, got {pair!r}")
        parsed[key.strip()] = value.strip() if separator == ":" else value
    return parsed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Serve a WSGI app with gunicorn and measure one endpoint with wrk."
    )
    parser.add_argument("--app", default=CEILING_APP, help="WSGI app as module:attr")
    parser.add_argument("--path", default="/healthz", help="path to load")
    parser.add_argument("--ready-path", default="/healthz", help="path polled until 2xx")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", help="request body (sent with a generated wrk Lua script)")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--duration", type=int, default=10, help="seconds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Measure one endpoint and print its absolute figures."""
    args = _parser().parse_args(argv)
    try:
        require_tools()
        with tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as workdir:
            env = ceiling_env(Path(workdir)) if args.app == CEILING_APP else {}
            env.update(_parse_pairs(args.env, "="))
            with serve(args.app, env=env, workers=args.workers, ready_path=args.ready_path) as url:
                result = run_wrk(
                    url + args.path,
                    method=args.method,
                    body=args.body,
                    headers=_parse_pairs(args.header, ":"),
                    duration=args.duration,
                    connections=args.connections,
                    threads=args.threads,
                )
    except BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    print_result(f"{args.method} {args.path}", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
