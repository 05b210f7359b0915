"""Ways a fake upstream misbehaves for one test: per path or per project, reset after the test.

A `Behaviour` changes the answer to the requests it matches; everything else is served as usual.
They sit inside the request recorder, so every changed answer is in the upstream's request log
with the status it really went out with. Build them with the functions below and install them
with `FakeUpstream.misbehaving(...)` (a context manager) or `FakeUpstream.misbehave(...)` (until
`reset_behaviours()`, which the per-test fixture calls after every test):

    with fake_artifactory.misbehaving(stall(before_body=30), project=name): ...
    fake_pypi.misbehave(last_serial(None), path=r"/simple/")   # drop X-PYPI-LAST-SERIAL

Answers: `answer`, `headers`, `last_serial`, `etag`, `root_list`, `link_style`, `pep691`,
`content_type`. Bytes: `stall`, `truncate`, `reset`, `trickle`.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from packaging.utils import canonicalize_name

from fake_upstreams.wsgi import WSGIApp, buffered

# How a behaviour reaches what it needs beyond the request (the upstream's files, its URL, a way
# to reset the TCP connection): keys of the WSGI environ, set by the middleware and the server.
ROOT_KEY = "fake_upstreams.root"
RESET_KEY = "fake_upstreams.reset_connection"

Answer = tuple[str, list[tuple[str, str]], bytes]  # status line, headers, body
Change = Callable[[dict[str, Any], Answer], Answer | Iterable[Any]]


@dataclass
class Behaviour:
    """`change(environ, (status, headers, body))` returns a new answer, or a `Stream` for byte-level faults.
    `needs_app=False`: the upstream is not asked at all (e.g. a fixed answer)."""

    name: str
    change: Change
    needs_app: bool = True
    path: re.Pattern[str] | None = None
    project: str | None = None
    released: threading.Event = field(default_factory=threading.Event)

    def matches(self, path: str) -> bool:
        if self.path is not None and not self.path.search(path):
            return False
        return self.project is None or self.project in projects_of_path(path)

    def __str__(self) -> str:
        where = [f"path~{self.path.pattern!r}" if self.path else "", f"project={self.project}" if self.project else ""]
        return f"{self.name} ({', '.join(w for w in where if w) or 'every request'})"


def projects_of_path(path: str) -> set[str]:
    """The project a simple page (/simple/<name>/) or a release file (…/<name>-<version>…) is about."""
    path = unquote(urlsplit(path).path)
    found = set()
    if m := re.search(r"/simple/([^/]+)/?$", path):
        found.add(canonicalize_name(m[1]))
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if "/simple/" not in path and "-" in last:
        # Wheels and current sdists escape '-' in the name, so the name ends at the first '-'; older
        # sdists do not, so every prefix before a '-<digit>' is a candidate too.
        found.add(canonicalize_name(last.split("-", 1)[0]))
        found.update(canonicalize_name(last[: m.start()]) for m in re.finditer(r"-(?=\d)", last))
    return found


class Stream:
    """A body sent over time: status and headers at once, then `chunks()`; for the byte-level faults."""

    def __init__(self, status: str, headers: list[tuple[str, str]], chunks: Callable[[], Iterator[bytes]]) -> None:
        self.status, self.headers, self.chunks = status, headers, chunks


# -- the middleware ----------------------------------------------------------------------------------


class Behaviours:
    """The behaviours of one upstream, thread-safe; the newest matching one wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Behaviour] = []

    def add(self, behaviour: Behaviour) -> Behaviour:
        with self._lock:
            self._active.append(behaviour)
        return behaviour

    def remove(self, behaviour: Behaviour) -> None:
        behaviour.released.set()  # a stalled answer lets go
        with self._lock:
            if behaviour in self._active:
                self._active.remove(behaviour)

    def clear(self) -> None:
        with self._lock:
            active, self._active = self._active, []
        for behaviour in active:
            behaviour.released.set()

    def matching(self, path: str) -> Behaviour | None:
        with self._lock:
            return next((b for b in reversed(self._active) if b.matches(path)), None)

    def __iter__(self) -> Iterator[Behaviour]:
        with self._lock:
            return iter(list(self._active))


def misbehaving(app: WSGIApp, behaviours: Behaviours, root: Path) -> WSGIApp:
    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        behaviour = behaviours.matching(path)
        if behaviour is None:
            return app(environ, start_response)
        environ = {**environ, ROOT_KEY: root}
        answer: Answer = ("200 OK", [], b"")
        if behaviour.needs_app:
            answer = buffered(app, environ)
        changed = behaviour.change(environ, answer)
        if isinstance(changed, Stream):
            start_response(changed.status, changed.headers)
            return changed.chunks()
        status, headers, body = changed
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return middleware


def _set(headers: Sequence[tuple[str, str]], name: str, value: str | None) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in headers if k.lower() != name.lower()]
    return kept if value is None else [*kept, (name, value)]


def _base_url(environ: dict[str, Any]) -> str:
    return f"http://{environ.get('HTTP_HOST') or environ['SERVER_NAME'] + ':' + environ['SERVER_PORT']}"


def _request_url(environ: dict[str, Any]) -> str:
    return _base_url(environ) + environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")


# -- answers ---------------------------------------------------------------------------------------------


def answer(status: int | str = 200, *, headers: Sequence[tuple[str, str]] = (), body: bytes | str = b"") -> Behaviour:
    """Answer with exactly this status, headers and body; the upstream's own files are not read."""
    status_line = status if isinstance(status, str) else f"{status} {_REASONS.get(status, 'Fake')}"
    data = body.encode() if isinstance(body, str) else body
    return Behaviour(f"answer {status_line}", lambda _environ, _answer: (status_line, list(headers), data), needs_app=False)


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


def headers(**changes: str | None) -> Behaviour:
    """Set (a value) or drop (None) headers of the usual answer; `X_PYPI_LAST_SERIAL="5"` → X-PYPI-LAST-SERIAL."""

    def change(_environ: dict[str, Any], ans: Answer) -> Answer:
        status, hdrs, body = ans
        for key, value in changes.items():
            hdrs = _set(hdrs, key.replace("_", "-"), value)
        return status, hdrs, body

    return Behaviour(f"headers {changes}", change)


def last_serial(value: int | str | None) -> Behaviour:
    """X-PYPI-LAST-SERIAL (PyPI's change counter, which devpi compares with its cached one); None drops it."""
    return headers(X_PYPI_LAST_SERIAL=None if value is None else str(value))


def etag(value: str | None = None) -> Behaviour:
    """An ETag on the answer (by default a hash of the body) and 304 Not Modified, with no body, for
    a request whose If-None-Match names it."""

    def change(environ: dict[str, Any], ans: Answer) -> Answer:
        status, hdrs, body = ans
        tag = value or f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        wanted = [t.strip() for t in environ.get("HTTP_IF_NONE_MATCH", "").split(",")]
        if status.startswith("200") and (tag in wanted or "*" in wanted):
            return "304 Not Modified", [("ETag", tag)], b""
        return status, _set(hdrs, "ETag", tag), body

    return Behaviour(f"etag {value or '(of the body)'}", change)


_HREF = re.compile(rb'href="([^"]*)"')


def _rewrite_hrefs(body: bytes, rewrite: Callable[[str], str]) -> bytes:
    return _HREF.sub(lambda m: b'href="' + html.escape(rewrite(html.unescape(m[1].decode())), quote=True).encode() + b'"', body)


def root_list(style: str) -> Behaviour:
    """The project list (/simple/): "404", "empty" (a page with no link), or "absolute" (links as full URLs).
    Install it with path=r"/simple/$": scoped to a project, it would never match the list."""
    if style == "404":
        return answer(404, headers=[("Content-Type", "text/plain")], body="404 Not Found\n")
    if style == "empty":
        return answer(200, headers=[("Content-Type", "text/html; charset=utf-8")],
                      body="<!DOCTYPE html><html><head><title>Simple Index</title></head><body></body></html>\n")
    if style == "absolute":
        def change(environ: dict[str, Any], ans: Answer) -> Answer:
            status, hdrs, body = ans
            base = _request_url(environ)
            return status, hdrs, _rewrite_hrefs(body, lambda href: urljoin(base, href))
        return Behaviour("root list with absolute links", change)
    raise ValueError(f"root_list style {style!r}: one of '404', 'empty', 'absolute'")


def link_style(style: str) -> Behaviour:
    """File links of project pages as other indexes write them: "absolute" (a full URL, outside /simple/, as
    Artifactory's remote repositories do), "md5" (`#md5=` instead of `#sha256=`), "nohash" (no fragment)."""
    if style not in ("absolute", "md5", "nohash"):
        raise ValueError(f"link_style {style!r}: one of 'absolute', 'md5', 'nohash'")

    def change(environ: dict[str, Any], ans: Answer) -> Answer:
        status, hdrs, body = ans
        base, root = _request_url(environ), environ[ROOT_KEY]

        def rewrite(href: str) -> str:
            url, _, fragment = href.partition("#")
            if style == "absolute":
                return urljoin(base, url) + (f"#{fragment}" if fragment else "")
            if style == "nohash":
                return url
            filename = unquote(url.rsplit("/", 1)[-1])
            return f"{url}#md5={hashlib.md5((root / filename).read_bytes()).hexdigest()}"  # noqa: S324  (what old indexes serve)

        return status, hdrs, _rewrite_hrefs(body, rewrite)

    return Behaviour(f"{style} file links", change)


PEP691 = "application/vnd.pypi.simple.v1+json"
_ANCHOR = re.compile(r'<a href="([^"]*)"([^>]*)>([^<]*)</a>')


def pep691(*, always: bool = False) -> Behaviour:
    """Project pages as PEP 691 JSON, for a client whose Accept asks for it (or `always`, whatever it asks)."""

    def change(environ: dict[str, Any], ans: Answer) -> Answer:
        status, hdrs, body = ans
        if not status.startswith("200") or not (always or PEP691 in environ.get("HTTP_ACCEPT", "")):
            return ans
        base = _request_url(environ)
        files = []
        for href, attributes, text in _ANCHOR.findall(body.decode()):
            url, _, fragment = html.unescape(href).partition("#")
            entry: dict[str, Any] = {"filename": html.unescape(text), "url": urljoin(base, url),
                                     "hashes": dict([fragment.split("=", 1)]) if "=" in fragment else {}}
            for attr, key in (("data-requires-python", "requires-python"), ("data-yanked", "yanked")):
                if m := re.search(rf'{attr}="([^"]*)"', attributes):
                    entry[key] = html.unescape(m[1]) or True if key == "yanked" else html.unescape(m[1])
            files.append(entry)
        name = environ.get("PATH_INFO", "").rstrip("/").rsplit("/", 1)[-1]
        data = json.dumps({"meta": {"api-version": "1.0"}, "name": canonicalize_name(name), "files": files}).encode()
        return status, _set(hdrs, "Content-Type", PEP691), data

    return Behaviour("PEP 691 JSON pages" + (" whatever the Accept" if always else ""), change)


def content_type(value: str) -> Behaviour:
    """The usual body under another Content-Type (e.g. "application/octet-stream" for an HTML page)."""
    return Behaviour(f"content type {value}", lambda _e, ans: (ans[0], _set(ans[1], "Content-Type", value), ans[2]))


# -- bytes over time ----------------------------------------------------------------------------------------------


def _streamed(name: str, send: Callable[[Behaviour, dict[str, Any], bytes], Iterator[bytes]]) -> Behaviour:
    holder: list[Behaviour] = []

    def change(environ: dict[str, Any], ans: Answer) -> Stream:
        status, hdrs, body = ans
        hdrs = [*_set(hdrs, "Content-Length", None), ("Content-Length", str(len(body)))]  # the full length, always
        return Stream(status, hdrs, lambda: send(holder[0], environ, body))

    behaviour = Behaviour(name, change)
    holder.append(behaviour)
    return behaviour


def stall(seconds: float = 3600, *, after: int = 0) -> Behaviour:
    """Send status and headers and the first `after` bytes, then nothing for `seconds` (or until the test ends),
    then the rest: `stall(30)` stalls before the body, `stall(30, after=100)` in its middle."""

    def send(behaviour: Behaviour, _environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        yield body[:after]  # an empty first chunk still makes the server send the headers
        behaviour.released.wait(seconds)
        yield body[after:]

    return _streamed(f"stall {seconds} s after {after} bytes", send)


def truncate(keep: int | float = 0.5) -> Behaviour:
    """Send `keep` bytes (or that fraction of the body) under the full Content-Length, then close the connection."""

    def send(_behaviour: Behaviour, _environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        yield body[: keep if isinstance(keep, int) else int(len(body) * keep)]

    return _streamed(f"truncate to {keep}", send)


def reset(after: int = 0) -> Behaviour:
    """Send `after` bytes of the body, then reset the connection (TCP RST) instead of sending the rest."""

    def send(_behaviour: Behaviour, environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        yield body[:after]
        environ[RESET_KEY]()

    return _streamed(f"reset after {after} bytes", send)


def trickle(chunk: int = 16, delay: float = 0.1) -> Behaviour:
    """Send the body `chunk` bytes at a time, `delay` seconds apart (ended early when the test ends)."""

    def send(behaviour: Behaviour, _environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        for start in range(0, len(body), chunk):
            if start and not behaviour.released.is_set():
                behaviour.released.wait(delay)
            yield body[start : start + chunk]

    return _streamed(f"trickle {chunk} bytes every {delay} s", send)


def abort_connection(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST (connection reset), not an orderly end."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
