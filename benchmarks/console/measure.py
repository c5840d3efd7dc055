"""The console benchmark's measurement: each route requested in sequence by its user, timed.

Sequential requests after a warm-up: the figure is what one manager or officer waits for a
page, not throughput. Routes marked ``target`` carry the issue's 300 ms p95; the others (the REST
API, Open311, the tracking page) are measured for reference over the same data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from benchmarks.recording import percentile, say

TARGET_MS = 300.0
WARM_UP = 5


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    user: str | None
    target: bool  # the 300 ms p95 applies
    #: a different period on every request (``{since}`` in the path): defeats the dashboard's
    #: short per-filter cache, i.e. what a manager changing filters waits for
    vary: bool = False

    def url(self, i: int) -> str:
        if not self.vary:
            return self.path
        since = datetime.now(UTC).date() - timedelta(days=31 + i)
        return self.path.format(since=since.isoformat())


def routes(tracking_code: str) -> list[Route]:
    """The routes measured, in the order of the results table."""
    code = tracking_code
    return [
        Route("dashboard", "/console/dashboard", "bench.manager", True),
        Route(
            "dashboard, new period each",
            "/console/dashboard?since={since}",
            "bench.manager",
            True,
            vary=True,
        ),
        Route("agency inbox", "/console/inbox", "bench.officer", True),
        Route("dashboard CSV export", "/console/dashboard.csv", "bench.manager", False),
        Route("API list (officer)", "/api/v1/reports", "bench.officer", False),
        Route("API list by due", "/api/v1/reports?order=due", "bench.officer", False),
        Route("API statistics", "/api/v1/statistics", "bench.manager", False),
        Route(
            "API statistics, new period",
            "/api/v1/statistics?since={since}T00:00:00%2B07:00",
            "bench.manager",
            False,
            vary=True,
        ),
        Route("API report", f"/api/v1/reports/{code}", "bench.verifier", False),
        Route("Open311 requests.json", "/open311/v2/requests.json", None, False),
        Route("tracking page", f"/t/{code}", None, False),
    ]  # fmt: skip


def measure(client: httpx.Client, route: Route, tokens: dict[str, str], n: int) -> dict[str, Any]:
    """``n`` timed requests of ``route`` after the warm-up; percentiles, largest body, verdict."""
    headers = {"Authorization": f"Bearer {tokens[route.user]}"} if route.user else {}
    for i in range(WARM_UP):  # connection, template compilation, PostgreSQL caches
        client.get(route.url(n + i), headers=headers)
    timings: list[float] = []
    sizes: set[int] = set()
    for i in range(n):
        url = route.url(i)
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
        sizes.add(len(response.content))
    p95 = round(percentile(timings, 95), 1)
    result = {
        "route": route.name,
        "path": route.path,
        "as": route.user or "anonymous",
        "requests": n,
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": p95,
        "p99_ms": round(percentile(timings, 99), 1),
        "max_ms": round(max(timings), 1),
        "bytes": max(sizes),
        "target": route.target,
        "pass": p95 < TARGET_MS if route.target else None,
    }
    say(
        f"{route.name:<28} p50 {result['p50_ms']:>7} ms  p95 {result['p95_ms']:>7} ms  "
        f"p99 {result['p99_ms']:>7} ms"
    )
    return result
