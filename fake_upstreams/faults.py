"""The ways an upstream can be gone, as small WSGI pieces and a mode switch.

Connection-level faults (refusing, hanging) live in the server; the ones that still
answer HTTP (5xx, bytes that do not match the advertised hash) are middleware here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from fake_upstreams.wsgi import WSGIApp, with_changed_body


class Mode(enum.Enum):
    ONLINE = "online"
    REFUSE = "refuse"  # the port is closed: connection refused
    HANG = "hang"  # accepts the connection, never answers
    ERROR_5XX = "5xx"  # a captive portal or a broken proxy
    WRONG_HASH = "wrong-hash"  # release files whose bytes differ from the advertised sha256


def corrupt(body: bytes) -> bytes:
    """Same length, different bytes: only a hash check can tell."""
    return bytes(b ^ 0xFF for b in body[:64]) + body[64:]


def is_release_file(path: str) -> bool:
    """File routes (…/packages/<file>, Artifactory's …/packages/packages/…/<file>), not simple pages."""
    return "/packages/" in path and "/simple/" not in path


def faulty(app: WSGIApp, mode: Callable[[], Mode]) -> WSGIApp:
    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        current = mode()
        if current is Mode.ERROR_5XX:
            body = b"503 Service Unavailable (fake upstream fault)\n"
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        if current is Mode.WRONG_HASH and is_release_file(environ.get("PATH_INFO", "")):
            return with_changed_body(app, environ, start_response, corrupt)
        return app(environ, start_response)

    return middleware
