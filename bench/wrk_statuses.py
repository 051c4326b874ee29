"""wrk runs that count answers per HTTP status, for endpoints that may answer 429 or fail.

``harness.run_wrk`` refuses a run with more than 1 % non-2xx answers; rate-limited endpoints need
the 429 share reported instead, and the figures printed even when some answers failed.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import harness

SAFE_PATH_RE = re.compile(r"/[A-Za-z0-9_\-/]+")
STATUS_RE = re.compile(r"^status (\d+) (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class Measured:
    """One wrk run and how many answers it got per HTTP status."""

    result: harness.WrkResult
    statuses: dict[int, int]

    def share(self, status: int) -> float:
        """The fraction of answers with ``status``."""
        total = sum(self.statuses.values())
        return self.statuses.get(status, 0) / total if total else 0.0

    @property
    def problem(self) -> str | None:
        """Why the figure cannot be trusted: socket errors or failures (not 429) above 1 %."""
        failed = {code: n for code, n in self.statuses.items() if code >= 400 and code != 429}
        bad = self.result.errors + sum(failed.values())
        if bad / max(self.result.requests, 1) <= harness.MAX_ERROR_RATIO:
            return None
        return (
            f"{self.result.errors} socket errors and failed answers {failed} "
            f"out of {self.result.requests} requests"
        )


_LUA_COUNTING = """
local threads = {}
local created = 0
function setup(thread)
  thread:set("offset", created)
  created = created + 1
  table.insert(threads, thread)
end
function init(args)
  counts = {}
  position = offset
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\\n", status, n))
  end
end
"""

# Each wrk thread walks its own stride of ``paths``, so no two requests share a path until
# every path has been requested once.
_LUA_ROTATING = """
function request()
  position = position + {threads}
  return wrk.format(nil, paths[(position % #paths) + 1])
end
"""


def counting_script(
    method: str,
    body: str | None,
    headers: Mapping[str, str] | None,
    *,
    paths: Sequence[str] = (),
    threads: int = 1,
) -> str:
    """A wrk script that counts answers per status; with ``paths``, rotates through them."""
    script = harness.lua_script(method, body, headers) + _LUA_COUNTING
    if paths:
        if not all(SAFE_PATH_RE.fullmatch(path) for path in paths):
            raise harness.BenchError("rotated paths must be plain URL paths")
        listed = ", ".join(f'"{path}"' for path in paths)
        script += f"paths = {{{listed}}}\n" + _LUA_ROTATING.format(threads=threads)
    return script


def _wrk(url: str, script: Path, *, duration: int, connections: int, threads: int) -> str:
    command = harness.wrk_command(
        harness.require_wrk(),
        url,
        duration=duration,
        connections=connections,
        threads=threads,
        script=script,
    )
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise harness.BenchError(f"wrk failed: {completed.stderr or completed.stdout}")
    return completed.stdout


def measure(
    url: str, script_text: str, *, duration: int, connections: int, threads: int
) -> Measured:
    """Warm up for 1 s, then load ``url`` with ``script_text``; 429s are counted, not errors."""
    load = {"connections": connections, "threads": threads}
    with tempfile.TemporaryDirectory(prefix="surveyapp-wrk-") as workdir:
        script = Path(workdir) / "load.lua"
        script.write_text(script_text)
        _wrk(url, script, duration=1, **load)
        output = _wrk(url, script, duration=duration, **load)
    result = harness.parse_wrk_output(output)
    if result.requests <= 0:
        raise harness.BenchError(f"wrk completed no requests on {url}")
    statuses = {int(code): int(count) for code, count in STATUS_RE.findall(output)}
    return Measured(result, statuses)
