"""Every request an upstream saw, queryable while the test runs."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fake_upstreams.wsgi import WSGIApp



@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    status: int | None  # None: the upstream never answered (a hang or a refusal in flight)
    at: float

    def __str__(self) -> str:
        status = "no answer" if self.status is None else str(self.status)
        return f"{self.method} {self.path} -> {status}"


class RequestLog:
    """Thread-safe: devpi asks its upstreams from many threads at once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._seen: list[SeenRequest] = []

    def add(self, method: str, path: str, status: int | None) -> None:
        with self._lock:
            self._seen.append(SeenRequest(method, path, status, time.monotonic()))

    def __iter__(self) -> Iterator[SeenRequest]:
        with self._lock:
            return iter(list(self._seen))

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def matching(self, path_pattern: str, *, since: float = 0.0) -> list[SeenRequest]:
        """Requests whose path matches the regular expression (searched, not anchored)."""
        regex = re.compile(path_pattern)
        return [r for r in self if r.at >= since and regex.search(r.path)]

    def mark(self) -> float:
        """A point in time to pass as `since`, to look only at what came after."""
        return time.monotonic()

    def render(self, *, since: float = 0.0) -> str:
        lines = [str(r) for r in self if r.at >= since]
        return "\n".join(lines) if lines else "(no requests)"

    def assert_requested(self, path_pattern: str, *, count: int | None = None, since: float = 0.0, msg: str = "") -> None:
        """Fail with every request the upstream saw when the expectation is not met; `msg` leads (e.g. "[P2] ...")."""
        __tracebackhide__ = True
        hits = self.matching(path_pattern, since=since)
        ok = len(hits) == count if count is not None else bool(hits)
        if not ok:
            want = f"exactly {count}" if count is not None else "at least one"
            raise AssertionError(
                (f"{msg}\n" if msg else "") + f"expected {want} request(s) matching {path_pattern!r} on {self.name}, saw {len(hits)}.\n"
                f"{self.name} saw:\n{self.render(since=since)}"
            )


def recording(app: WSGIApp, log: RequestLog) -> WSGIApp:
    """WSGI middleware that records method, path and answered status."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            log.add(environ["REQUEST_METHOD"], path, int(status.split()[0]))
            return start_response(status, headers, exc_info)

        return app(environ, recording_start_response)

    return middleware
