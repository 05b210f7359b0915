"""The WSGI pieces the fakes share: an app's whole answer, buffered, and the same with its body changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def buffered(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run `app` and keep its whole answer: status, headers and body."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured.update(status=status, headers=list(headers))
        return lambda _data: None

    chunks = app(environ, capture)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return captured["status"], captured["headers"], body


def with_changed_body(app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any],
                      change: Callable[[bytes], bytes]) -> Iterable[bytes]:
    """Run `app`, buffer its answer, pass a 200's body through `change`, and fix Content-Length."""
    status, headers, body = buffered(app, environ)
    if status.startswith("200"):
        body = change(body)
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]
