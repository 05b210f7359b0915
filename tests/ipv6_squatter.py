"""Another program on the service's port at the IPv6 loopback, for S5: loaded into a child run of the suite
with `-p tests.ipv6_squatter --squatter WHAT`. No change of the deployment's files puts another page at the service's URL
in a browser only; this does, as a person's machine may: a browser resolves `localhost` itself and tries
::1 first, while pip and the suite resolve it from /etc/hosts (here 127.0.0.1, where devpi-server, bound to
`localhost`, listens). Every client of the deployment then meets devpi, and the person who opens
http://localhost:PORT/ to check that the service is up meets the other program's page: a web server's
"It works!" (`page`), or an older devpi-server's answer, the same indexes configured for the real intranet
(`old-devpi`)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.request
from typing import Any

import pytest

from fixtures.devpi import DevpiServer

PAGE = b"<html><head><title>It works!</title></head><body><h1>It works!</h1></body></html>\n"


# The guide's own intranet URL (env.sh's default): what an install made before the suite's run would mirror.
GUIDE_ARTIFACTORY = "https://artifactory.example.com/artifactory/api/pypi/python-local/simple/"


def old_devpi_answer(port: int) -> bytes:
    """devpi-server's own answer at its URL, with root/python-local mirroring the guide's intranet URL."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Accept": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as answer:
        listing = json.load(answer)
    listing["result"]["root"]["indexes"]["python-local"]["mirror_url"] = GUIDE_ARTIFACTORY
    return json.dumps(listing, indent=2).encode()


class _Page(http.server.BaseHTTPRequestHandler):
    what = "page"

    def do_GET(self) -> None:  # noqa: N802
        port = self.server.server_address[1]
        body, kind = (old_devpi_answer(port), "application/json") if self.what == "old-devpi" else (PAGE, "text/html")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _IPv6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True


SQUATTERS: dict[int, _IPv6Server] = {}


def squat(port: int) -> None:
    if port in SQUATTERS:
        return
    try:
        server = _IPv6Server(("::1", port), _Page)
    except OSError as exc:  # devpi itself on ::1 (localhost resolving to both), or no IPv6 loopback
        raise RuntimeError(f"tests.ipv6_squatter cannot take [::1]:{port}: {exc}") from None
    SQUATTERS[port] = server
    threading.Thread(target=server.serve_forever, daemon=True, name=f"ipv6-squatter-{port}").start()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--squatter", choices=("page", "old-devpi"), required=True,
                     help="what answers at [::1] on the service's port (tests/ipv6_squatter.py)")


def pytest_configure(config: pytest.Config) -> None:
    _Page.what = config.getoption("squatter")
    original = DevpiServer.start

    def start(self: DevpiServer, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        squat(self.settings.port)

    DevpiServer.start = start  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    for server in SQUATTERS.values():
        server.shutdown()
        server.server_close()
