"""Helpers of the durability suite (D1-D4): many requests at once, devpi-server killed under the service,
and what its server directory holds, checked against the hashes devpi itself lists."""

from __future__ import annotations

import hashlib
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import requests

from fixtures import disk, pages
from fixtures.devpi import DevpiServer

THROTTLE_INTERVAL = 10  # launchd's default, which the guide's plist keeps: no restart sooner after a start


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment (a barrier in front of each), each in a thread of its own; their
    results in order. An exception is returned in place of its result, so one client's crash is evidence."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=60)
        try:
            return call()
        except Exception as exc:  # noqa: BLE001  (reported with the other clients' answers)
            return exc

    with ThreadPoolExecutor(len(calls), thread_name_prefix="crowd") as pool:
        return list(pool.map(run, calls))


def page_links(session: requests.Session, page_url: str) -> tuple[int, dict[str, tuple[str, str]]]:
    """A simple page as pip reads it: status and filename -> (absolute URL, sha256)."""
    status, found = pages.page_links(session, page_url)
    return status, {link.filename: (link.url, link.sha256) for link in found if link.sha256}


def sha256_of_url(session: requests.Session, url: str) -> tuple[int, str, int, str]:
    """GET a file as pip does (redirects followed): status, sha256 of the bytes, size, and the body's start
    (devpi's error message when it is not a file)."""
    response = session.get(url, timeout=120)
    return response.status_code, hashlib.sha256(response.content).hexdigest(), len(response.content), response.text[:300]


# -- the service: devpi-server under the guide's wrapper, under launchd (the stand-in) ------------------------


def devpi_server_process(server: DevpiServer) -> psutil.Process:
    """devpi-server itself: the wrapper's child (the job's pid is the wrapper's)."""
    __tracebackhide__ = True
    assert server.pid is not None, f"the service is not running\n{server.log_tail(20)}"
    children = psutil.Process(server.pid).children()
    assert children, f"the wrapper {server.pid} runs no devpi-server\n{server.log_tail(20)}"
    return children[0]


def spawns(server: DevpiServer) -> int:
    return sum(1 for e in server.history() if e["event"] == "spawned")


def kill_devpi_server(server: DevpiServer) -> int:
    """SIGKILL to devpi-server (a power cut, an OOM kill, a crash): no clean-up of its own. Returns the
    service's spawn count before, for `wait_back`."""
    before = spawns(server)
    devpi_server_process(server).send_signal(signal.SIGKILL)
    return before


def wait_back(server: DevpiServer, spawned_before: int, *, timeout: float) -> float | None:
    """Seconds until launchd's KeepAlive started the service again and devpi answered; None if it did not, or as
    soon as launchd has let the job's exit stand past ThrottleInterval (it will not start it again)."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if spawns(server) > spawned_before:
            if server.is_running and server.api.is_ready():
                return time.monotonic() - started
        elif time.monotonic() - started > THROTTLE_INTERVAL + 5 and not server.is_running:
            return None
        time.sleep(0.2)
    return None


# -- the server directory -------------------------------------------------------------------------------------


def stored_path(server: DevpiServer, stored: disk.StoredFile) -> Path:
    return server.serverdir / disk.FILES_DIR / stored.relpath


def misplaced(usages: dict[str, disk.IndexUsage]) -> list[str]:
    """Stored files whose bytes do not match the hash in their own path (`+f/<sha256[:3]>/<sha256[3:16]>/`):
    devpi names a mirror file's folder after the hash its upstream advertised, so a file there is complete
    and intact exactly when its sha256 starts with those digits."""
    bad = []
    for stored in disk.all_files(usages):
        match = re.search(r"/\+f/([0-9a-f]{3})/([0-9a-f]{13})/", stored.relpath)
        if match and not stored.sha256.startswith(match[1] + match[2]):
            bad.append(f"{stored.relpath}: {stored.size} B, sha256 {stored.sha256}")
    return bad


def leftovers(serverdir: Path) -> list[Path]:
    """Files under +files/ that are not release files of an index: temporary files of an interrupted write."""
    root = serverdir / disk.FILES_DIR
    if not root.is_dir():
        return []
    return [p for p in root.rglob("*") if p.is_file() and (len(p.relative_to(root).parts) < 3 or "+f" not in p.parts)]
