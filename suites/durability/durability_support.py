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
import pytest
import requests
from hypothesis import settings

from fixtures import disk, pages
from fixtures.api import http_session
from fixtures.clients import Resolution
from fixtures.devpi import DevpiServer

# The long variants (a devpi-server of their own, kills and restarts: 30-60 s each on 2 cores) run under
# `--hypothesis-profile nightly`; README's first command keeps one cheap scenario per promise, and the state
# machine's strain events (suites/model) reach D1-D3 there too. Measured: docs/durability.md.
NIGHTLY = settings.get_current_profile_name() == "nightly"
nightly_only = pytest.mark.skipif(not NIGHTLY, reason="a long variant of suites/durability: it runs under "
                                                       "--hypothesis-profile nightly (docs/durability.md)")

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
    """GET a file as pip does (redirects followed): status, sha256 of the bytes received, their count, and the
    body's start (devpi's error message when it is not a file). A body cut short (devpi-server 7 announces a
    stored file's recorded length and sends what the file holds) is the bytes received, and `said` says so."""
    response = session.get(url, timeout=120, stream=True)
    body = bytearray()
    try:
        for chunk in response.iter_content(65536):
            body += chunk
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
        return (response.status_code, hashlib.sha256(body).hexdigest(), len(body),
                f"the connection broke after {len(body)} of {response.headers.get('Content-Length')} bytes "
                f"(Content-Length): {exc}")
    return response.status_code, hashlib.sha256(body).hexdigest(), len(body), bytes(body[:300]).decode(errors="replace")


def crowd_outcome(answer: object, version: str, sha256: str, alone: dict[str, str]) -> tuple[str, str]:
    """What one member of a crowd got, against what one client alone gets (`version` with `sha256`, from a page
    listing `alone`, filename -> sha256): "same"; "partial" (nothing, or only some of the alone page's links,
    each the same file: a page without the links of an upstream, or devpi's 404 for a page with none); "other" (a link or a file the alone client
    never saw); "file-500" (plain HTTP's file answered 500: D1-devpi7-concurrent-file-500 where devpi's log
    holds fixtures/exchanges.py's CONCURRENT_FILE_500); "error" (anything else). An answer is a Resolution (pip, uv), an exception, or
    plain HTTP's (page status, page links as `page_links` gives them, `sha256_of_url` of the file or None)."""
    if isinstance(answer, Exception):
        return "error", repr(answer)
    if isinstance(answer, Resolution):
        text = answer.stdout + answer.stderr
        if answer.ok and answer.files:
            got = answer.files[0]
            said = f"{answer.client} {got.version} sha256={got.sha256[:16]}"
            if (got.version, got.sha256) == (version, sha256):
                return "same", said
            return ("partial" if alone.get(got.filename) == got.sha256 else "other"), said
        # A page without links: pip says "(from versions: none)", uv "there are no versions of" / "not found".
        if not answer.ok and re.search(r"from versions: none|there are no versions of|not found in the package registry", text):
            return "partial", f"{answer.client}: no version (exit {answer.returncode})"
        return "error", f"{answer.client} exit {answer.returncode}: {(answer.stderr.strip().splitlines() or [''])[-1]}"
    status, links, file_answer = answer  # plain HTTP
    if status == 404:
        # devpi's "not found" for a name no base has links for yet: with mirror_no_project_list=True (O7's advice)
        # devpi knows a name only once its fetch has committed, so the page without links is a 404 (no version at all)
        return "partial", "http page 404 (no version at all)"
    if status != 200:
        return "error", f"http page {status}"
    mine = {name: sha for name, (_url, sha) in links.items()}
    if any(alone.get(name) != sha for name, sha in mine.items()):
        return "other", f"http page links {sorted(mine)}"
    if mine != alone:
        return "partial", f"http page with {len(mine)} of {len(alone)} links"
    if file_answer is not None and file_answer[0] == 500:
        return "file-500", f"http file 500 {file_answer[3][:80]!r}"
    if file_answer is None or file_answer[:2] != (200, sha256):
        return "error", f"http file {file_answer and file_answer[:3]}"
    return "same", f"http page and file sha256={sha256[:16]}"


def raw_client(page_url: str, filename: str) -> Callable[[], tuple[int, dict[str, tuple[str, str]], tuple | None]]:
    """A plain HTTP client of a crowd: the page, then `filename` from the link the page gives (None: no link)."""

    def fetch() -> tuple[int, dict[str, tuple[str, str]], tuple | None]:
        with http_session() as session:
            status, links = page_links(session, page_url)
            wanted = links.get(filename)
            return status, links, sha256_of_url(session, wanted[0]) if wanted else None

    return fetch


# -- the service: devpi-server under the guide's wrapper, under launchd (the stand-in) ------------------------


def devpi_server_process(server: DevpiServer) -> psutil.Process:
    """devpi-server itself: the wrapper's child (the job's pid is the wrapper's)."""
    __tracebackhide__ = True
    assert server.pid is not None, f"the service is not running\n{server.log_tail(20)}"
    children = psutil.Process(server.pid).children()
    assert children, f"the wrapper {server.pid} runs no devpi-server\n{server.log_tail(20)}"
    return children[0]


def spawns(server: DevpiServer) -> int:
    return len(server.events("spawned"))


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
