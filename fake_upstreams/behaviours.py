"""Every way a fake upstream misbehaves, reached through one door: `upstream.misbehave(behaviour, path=..., project=...)`.

A `Behaviour` is a value built by the functions below; `a + b` is one behaviour that applies `a`, then `b` to what
`a` answered. `misbehave` installs it on the requests whose path matches `path` (a regular expression, searched in
the full path) and/or that concern `project`, and returns the `Misbehaviour`: a context manager that ends it at
the end of its block, or, left alone, it lasts until the test ends (the harness puts every upstream back to
normal after each test). Where several match a request, the newest wins.

    with fake_artifactory.misbehave(refuse()): ...                            # the intranet gone
    fake_pypi.misbehave(last_serial(None), path=r"/simple/")                  # drop X-PYPI-LAST-SERIAL
    fake_pypi.misbehave(pep691(always=True) + content_type("text/plain"), project=name)

The connection itself: `refuse`, `hang`, and for an upstream reached by a host name or over a link of its own
(`Route`, fixtures/upstreams.py) `unresolvable` and `link_down`. Answers: `error_5xx`, `wrong_hash`, `answer`,
`headers`, `last_serial`, `etag`, `root_list`, `link_style`, `pep691`, `content_type`. Bytes: `stall`,
`truncate`, `reset`, `trickle`. Answers are changed inside the upstream's request recorder, so each one is in
its log with the status it went out with; a behaviour made with `in_front=True` is a proxy in front of the
upstream instead, and what it answers itself never reaches the upstream's log.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from packaging.utils import canonicalize_name

from fake_upstreams.wsgi import WSGIApp, buffered, with_changed_body

# How a behaviour reaches what it needs beyond the request (the upstream's files, the moment its misbehaviour
# ends, a way to reset the TCP connection): keys of the WSGI environ, set by the middleware and the server.
ROOT_KEY = "fake_upstreams.root"
RELEASED_KEY = "fake_upstreams.released"
RESET_KEY = "fake_upstreams.reset_connection"

Answer = tuple[str, list[tuple[str, str]], bytes]  # status line, headers, body
Change = Callable[[dict[str, Any], Answer], "Answer | Stream"]
Serve = Callable[[WSGIApp, dict[str, Any], Callable[..., Any]], Iterable[bytes]]  # a WSGI step: the app it wraps first

@dataclass(frozen=True)
class Behaviour:
    """`serve(app, environ, start_response)` answers a request, asking `app` (the upstream) or not; a
    behaviour with a `connection` acts on the connection instead (nothing composes with it)."""

    name: str
    serve: Serve | None = None
    connection: str = ""
    in_front: bool = False
    chain: tuple[Behaviour, ...] = ()  # the behaviours `a + b + ...` is made of

    @property
    def parts(self) -> tuple[Behaviour, ...]:
        return self.chain or (self,)

    def __add__(self, other: Behaviour) -> Behaviour:
        for part in (self, other):
            if part.connection:
                raise ValueError(f"{self} + {other}: {part} acts on the connection; no answer composes with it")
        if self.in_front != other.in_front:
            raise ValueError(f"{self} + {other}: a proxy in front of the upstream (in_front) and the upstream's own "
                             "answer do not compose")
        parts = self.parts + other.parts
        return Behaviour(" + ".join(p.name for p in parts), functools.partial(_chained, parts), in_front=self.in_front,
                         chain=parts)

    def __str__(self) -> str:
        return self.name


def _chained(parts: tuple[Behaviour, ...], app: WSGIApp, environ: dict[str, Any],
             start_response: Callable[..., Any]) -> Iterable[bytes]:
    for part in parts:
        assert part.serve is not None
        app = functools.partial(part.serve, app)
    return app(environ, start_response)


@dataclass(eq=False)
class Misbehaviour:
    """A behaviour installed on an upstream (`FakeUpstream.misbehave`): a context manager that ends it."""

    behaviour: Behaviour
    path: re.Pattern[str] | None
    project: str | None
    ended: Callable[[Misbehaviour], None]
    began: float = field(default_factory=time.monotonic)
    released: threading.Event = field(default_factory=threading.Event)  # set at its end: stalls and hangs let go

    def matches(self, path: str) -> bool:
        if self.path is not None and not self.path.search(path):
            return False
        return self.project is None or self.project in projects_of_path(path)

    def end(self) -> None:
        self.released.set()
        self.ended(self)

    def __enter__(self) -> Misbehaviour:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()

    def __str__(self) -> str:
        where = [f"path~{self.path.pattern!r}" if self.path else "", f"project={self.project}" if self.project else ""]
        return f"{self.behaviour} ({', '.join(w for w in where if w) or 'every request'})"


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


class Misbehaviours:
    """The misbehaviours installed on one upstream, thread-safe; the newest matching one wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Misbehaviour] = []

    def add(self, misbehaviour: Misbehaviour) -> None:
        with self._lock:
            self._active.append(misbehaviour)

    def remove(self, misbehaviour: Misbehaviour) -> None:
        with self._lock:
            if misbehaviour in self._active:
                self._active.remove(misbehaviour)

    def __iter__(self) -> Iterator[Misbehaviour]:
        with self._lock:
            return iter(list(self._active))

    def _newest(self, path: str, wanted: Callable[[Behaviour], bool]) -> Misbehaviour | None:
        return next((m for m in reversed(list(self)) if wanted(m.behaviour) and m.matches(path)), None)

    def answering(self, path: str, *, in_front: bool) -> Misbehaviour | None:
        return self._newest(path, lambda b: not b.connection and b.in_front == in_front)

    def hanging(self, path: str) -> threading.Event | None:
        """What a request for `path` waits for before it is dropped unanswered (None: it is not held)."""
        found = self._newest(path, lambda b: b.connection == "hang")
        return found.released if found else None

    def cut(self) -> set[str]:
        """The connection behaviours in force (refuse, name, link): they act on the whole upstream."""
        return {m.behaviour.connection for m in self if m.behaviour.connection}


def misbehaving(app: WSGIApp, answering: Callable[[str], Misbehaviour | None], root: Any) -> WSGIApp:
    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        found = answering(path)
        if found is None:
            return app(environ, start_response)
        assert found.behaviour.serve is not None
        return found.behaviour.serve(app, {**environ, ROOT_KEY: root, RELEASED_KEY: found.released}, start_response)

    return middleware


def changing(name: str, change: Change, *, needs_app: bool = True) -> Behaviour:
    """A behaviour that changes the upstream's whole answer (`needs_app=False`: the upstream is not asked)."""

    def serve(app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        changed = change(environ, buffered(app, environ) if needs_app else ("200 OK", [], b""))
        if isinstance(changed, Stream):
            start_response(changed.status, changed.headers)
            return changed.chunks()
        status, headers, body = changed
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return Behaviour(name, serve)


def _set(headers: Sequence[tuple[str, str]], name: str, value: str | None) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in headers if k.lower() != name.lower()]
    return kept if value is None else [*kept, (name, value)]


def _base_url(environ: dict[str, Any]) -> str:
    return f"http://{environ.get('HTTP_HOST') or environ['SERVER_NAME'] + ':' + environ['SERVER_PORT']}"


def _request_url(environ: dict[str, Any]) -> str:
    return _base_url(environ) + environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")


# -- the connection ------------------------------------------------------------------------------------


def refuse() -> Behaviour:
    """The port is closed: connection refused (the whole upstream; no path or project)."""
    return Behaviour("refuse connections", connection="refuse")


def hang() -> Behaviour:
    """Accept the connection and read the request, then never answer (until the misbehaviour ends)."""
    return Behaviour("accept and never answer", connection="hang")


def unresolvable() -> Behaviour:
    """The host name a client reaches the upstream by no longer resolves (an upstream with a "name" `Route`)."""
    return Behaviour("host name no longer resolves", connection="name")


def link_down() -> Behaviour:
    """The link to the upstream goes dark, packets dropped: a black hole (an upstream with a "link" `Route`)."""
    return Behaviour("link down", connection="link")


@dataclass(eq=False)
class Route:
    """A way clients reach an upstream that a test can take away: by a host name ("name"), over a link of its
    own ("link"). `take_down`/`bring_up` act on it; the upstream calls them when `unresolvable()` or
    `link_down()` begins and ends."""

    way: str
    means: str  # what a person on call reads once it is down
    take_down: Callable[[], None]
    bring_up: Callable[[], None]
    down: bool = False

    def set_down(self, down: bool) -> None:
        if down != self.down:
            (self.take_down if down else self.bring_up)()
            self.down = down


# -- answers ---------------------------------------------------------------------------------------------


def error_5xx(status: int = 503) -> Behaviour:
    """A captive portal or a broken proxy: every answer an error."""
    return answer(status, headers=[("Content-Type", "text/plain")],
                  body=f"{status} {_REASONS.get(status, 'Error')} (fake upstream fault)\n")


def corrupt(body: bytes) -> bytes:
    """Same length, different bytes: only a hash check can tell."""
    return bytes(b ^ 0xFF for b in body[:64]) + body[64:]


def is_release_file(path: str) -> bool:
    """File routes (…/packages/<file>, Artifactory's …/packages/packages/…/<file>), not simple pages."""
    return "/packages/" in path and "/simple/" not in path


def _corrupt_release_files(app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if is_release_file(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")):
        return with_changed_body(app, environ, start_response, corrupt)
    return app(environ, start_response)


def wrong_hash() -> Behaviour:
    """Release files whose bytes differ from the sha256 the pages advertise (pages unchanged)."""
    return Behaviour("wrong hash", _corrupt_release_files)


def answer(status: int | str = 200, *, headers: Sequence[tuple[str, str]] = (), body: bytes | str = b"") -> Behaviour:
    """Answer with exactly this status, headers and body; the upstream's own files are not read."""
    status_line = status if isinstance(status, str) else f"{status} {_REASONS.get(status, 'Fake')}"
    data = body.encode() if isinstance(body, str) else body
    return changing(f"answer {status_line}", lambda _environ, _answer: (status_line, list(headers), data), needs_app=False)


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

    return changing(f"headers {changes}", change)


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

    return changing(f"etag {value or '(of the body)'}", change)


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
        return changing("root list with absolute links", change)
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

    return changing(f"{style} file links", change)


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

    return changing("PEP 691 JSON pages" + (" whatever the Accept" if always else ""), change)


def content_type(value: str) -> Behaviour:
    """The usual body under another Content-Type (e.g. "application/octet-stream" for an HTML page)."""
    return changing(f"content type {value}", lambda _e, ans: (ans[0], _set(ans[1], "Content-Type", value), ans[2]))


# -- bytes over time ----------------------------------------------------------------------------------------------


def _streamed(name: str, send: Callable[[threading.Event, dict[str, Any], bytes], Iterator[bytes]]) -> Behaviour:
    def change(environ: dict[str, Any], ans: Answer) -> Stream:
        status, hdrs, body = ans
        hdrs = [*_set(hdrs, "Content-Length", None), ("Content-Length", str(len(body)))]  # the full length, always
        return Stream(status, hdrs, lambda: send(environ[RELEASED_KEY], environ, body))

    return changing(name, change)


def stall(seconds: float = 3600, *, after: int = 0) -> Behaviour:
    """Send status and headers and the first `after` bytes, then nothing for `seconds` (or until the test ends),
    then the rest: `stall(30)` stalls before the body, `stall(30, after=100)` in its middle."""

    def send(released: threading.Event, _environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        yield body[:after]  # an empty first chunk still makes the server send the headers
        released.wait(seconds)
        yield body[after:]

    return _streamed(f"stall {seconds} s after {after} bytes", send)


def truncate(keep: int | float = 0.5) -> Behaviour:
    """Send `keep` bytes (or that fraction of the body) under the full Content-Length, then close the connection."""

    def send(_released: threading.Event, _environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        yield body[: keep if isinstance(keep, int) else int(len(body) * keep)]

    return _streamed(f"truncate to {keep}", send)


def reset(after: int = 0) -> Behaviour:
    """Send `after` bytes of the body, then reset the connection (TCP RST) instead of sending the rest."""

    def send(_released: threading.Event, environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        yield body[:after]
        environ[RESET_KEY]()

    return _streamed(f"reset after {after} bytes", send)


def trickle(chunk: int = 16, delay: float = 0.1) -> Behaviour:
    """Send the body `chunk` bytes at a time, `delay` seconds apart (ended early when the test ends)."""

    def send(released: threading.Event, _environ: dict[str, Any], body: bytes) -> Iterator[bytes]:
        for start in range(0, len(body), chunk):
            if start and not released.is_set():
                released.wait(delay)
            yield body[start : start + chunk]

    return _streamed(f"trickle {chunk} bytes every {delay} s", send)


def abort_connection(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST (connection reset), not an orderly end."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
