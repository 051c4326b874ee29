"""A load run with wrk on loopback: survey answers and API interactions, each request once.

wrk (C, event loop) drives the load so that the generator takes little of the two cores the
server needs; a Lua script walks a list of distinct personal links (or numbers interactions),
each wrk thread its own stride, so that every request carries new data. A thread stops once
every request of its share has been answered and leaves a marker file; when all have, wrk
is interrupted (SIGINT) and prints its figures. Used by ``test_load.py`` (reduced counts) and
``bench/load.py`` (10,000 + 10,000).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.harness import WrkResult, lua_script, parse_wrk_output, require_wrk

STATUS_RE = re.compile(r"^status (\d+) (\d+)$", re.MULTILINE)
WRK_TIMEOUT_S = 1800
REQUEST_TIMEOUT_S = 30

_LUA_WALK = """
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
  issued = 0
  answered = 0
  past_end = nil
end
function request()
  if offset == 0 and not verified then
    -- wrk calls the first thread's request() once to check the script, and never sends it.
    verified = true
    return wrk.format("GET", "/healthz", {}, nil)
  end
  local index = position
  if index >= TOTAL then
    return wrk.format("GET", "/healthz", {}, nil)
  end
  position = position + THREADS
  issued = issued + 1
  return make_request(index)
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if status ~= 200 then answered = answered + 1 end
  if position >= TOTAL and not past_end then past_end = os.time() end
  -- A request lost to a socket error gets no response: after wrk's timeout it is over too.
  if past_end and (answered >= issued or os.time() - past_end > TIMEOUT_S) then
    local marker = io.open(MARKERS .. "/" .. offset, "w")
    marker:close()
    wrk.thread:stop()
  end
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


@dataclass(frozen=True)
class LoadResult:
    """One wrk run: its figures and the answers per status (``/healthz`` fillers are 200)."""

    figures: WrkResult
    statuses: dict[int, int]
    seconds: float

    def count(self, status: int) -> int:
        return self.statuses.get(status, 0)


def answers_script(paths: Sequence[str], body: str, headers: Mapping[str, str]) -> str:
    """POST ``body`` once to every path in ``paths`` (plain URL paths)."""
    listed = ",\n".join(json.dumps(path) for path in paths)
    return (
        lua_script("POST", body, headers)
        + f"paths = {{\n{listed}\n}}\n"
        + "function make_request(index)\n  return wrk.format(nil, paths[index + 1])\nend\n"
    )


def numbered_script(template: str, headers: Mapping[str, str]) -> str:
    """POST ``template`` with every ``%d`` replaced by the request's number (0, 1, ...)."""
    placeholders = template.count("%d")
    numbers = ", ".join(["index"] * placeholders)
    return (
        lua_script("POST", None, headers)
        + f"template = {json.dumps(template)}\n"
        + "function make_request(index)\n"
        + f"  return wrk.format(nil, nil, nil, string.format(template, {numbers}))\n"
        + "end\n"
    )


def run(url: str, script: str, *, total: int, connections: int = 8, threads: int = 2) -> LoadResult:
    """Send ``total`` requests made by ``script`` to ``url`` with wrk; wait for every answer."""
    wrk = require_wrk()
    with tempfile.TemporaryDirectory(prefix="surveyapp-load-") as workdir:
        markers = Path(workdir) / "done"
        markers.mkdir()
        path = Path(workdir) / "load.lua"
        settings = (
            f"TOTAL = {total}\nTHREADS = {threads}\nTIMEOUT_S = {REQUEST_TIMEOUT_S + 5}\n"
            f"MARKERS = {json.dumps(str(markers))}\n"
        )
        path.write_text(settings + script + _LUA_WALK)
        command = [
            wrk, "--latency", "--duration", f"{WRK_TIMEOUT_S}s",
            "--timeout", f"{REQUEST_TIMEOUT_S}s", "--connections", str(connections),
            "--threads", str(threads), "--script", str(path), url,
        ]  # fmt: skip
        started = time.monotonic()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            while len(list(markers.iterdir())) < threads and process.poll() is None:
                time.sleep(0.05)
            seconds = time.monotonic() - started
            process.send_signal(signal.SIGINT)  # wrk stops sleeping out its duration, reports
            output, errors = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    if "Requests/sec" not in output:
        raise RuntimeError(f"wrk failed: {errors or output}")
    statuses = {int(code): int(count) for code, count in STATUS_RE.findall(output)}
    return LoadResult(parse_wrk_output(output), statuses, seconds)
