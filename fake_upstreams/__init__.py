"""Fake PyPI and fake Artifactory: real HTTP servers built on pypiserver.

Each records every request it sees, and misbehaves in every way an upstream can through one door,
`misbehave(behaviour, path=..., project=...)` (fake_upstreams/behaviours.py).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from pathlib import Path
from typing import Protocol

from packaging.utils import canonicalize_name

from fake_upstreams.app import artifactory_links, mounted, pypiserver_app
from fake_upstreams.behaviours import Behaviour, Misbehaviour, Misbehaviours, Route, misbehaving
from fake_upstreams.metadata import pep592_metadata
from fake_upstreams.recorder import RequestLog, SeenRequest, recording
from fake_upstreams.server import ServerSocket

__all__ = ["Behaviour", "FakeUpstream", "Misbehaviour", "RequestLog", "Route", "SeenRequest", "fake_artifactory",
           "fake_pypi"]

ARTIFACTORY_PREFIX = "/artifactory/api/pypi/python-local"


class Publishable(Protocol):
    path: Path


class FakeUpstream:
    """A package index on loopback. Use as a context manager, or `start()`/`stop()`."""

    def __init__(self, name: str, root: Path, *, prefix: str = "", artifactory: bool = False, host: str = "127.0.0.1") -> None:
        self.name = name
        self.root = root
        self.prefix = prefix
        self.log = RequestLog(name)
        self.routes: list[Route] = []  # how clients reach it besides its address (fixtures/upstreams.py)
        self._misbehaviours = Misbehaviours()
        self._lock = threading.Lock()
        self._serving = False
        root.mkdir(parents=True, exist_ok=True)
        self.yanked: dict[str, str] = {}  # filename -> PEP 592 reason, served as data-yanked
        app = pep592_metadata(pypiserver_app(root), root, self.yanked)
        if artifactory:
            app = artifactory_links(app)
        if prefix:
            app = mounted(app, prefix)
        # The upstream's own answers are changed inside the recorder, so each is logged with the status it went
        # out with; a proxy in front of it (in_front) answers outside, where the upstream never sees the request.
        app = misbehaving(app, lambda path: self._misbehaviours.answering(path, in_front=False), root)
        app = misbehaving(recording(app, self.log), lambda path: self._misbehaviours.answering(path, in_front=True), root)
        self.socket = ServerSocket(app, self.log, self._misbehaviours.hanging, host)

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> FakeUpstream:
        with self._lock:
            self._serving = True
            self._connect()
        return self

    def stop(self) -> None:
        self.back_to_normal()  # hanging and stalled answers let go, so their threads end
        with self._lock:
            self._serving = False
            self.socket.close()

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- where it is ----------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.socket.port

    @property
    def url(self) -> str:
        return f"http://{self.socket.host}:{self.port}{self.prefix}/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}simple/"

    def __repr__(self) -> str:
        misbehaving = "; ".join(str(m) for m in self._misbehaviours) or "none"
        return f"<{type(self).__name__} {self.name} {self.simple_url} misbehaving: {misbehaving}>"

    # -- contents ---------------------------------------------------------------------
    def publish(self, *dists: Publishable) -> None:
        for dist in dists:
            shutil.copy2(dist.path, self.root / dist.path.name)

    def unpublish(self, *dists: Publishable) -> None:
        for dist in dists:
            (self.root / dist.path.name).unlink(missing_ok=True)

    def yank(self, filename: str, reason: str = "") -> None:
        """Mark a published file yanked (PEP 592): its link says data-yanked="reason" from now on."""
        self.yanked[filename] = reason

    def sha256(self, filename: str) -> str:
        """The digest of a file as this upstream holds it (and advertises it)."""
        return hashlib.sha256((self.root / filename).read_bytes()).hexdigest()

    def clear(self) -> None:
        for path in self.root.iterdir():
            path.unlink()

    # -- misbehaving (fake_upstreams/behaviours.py) --------------------------------------------------------------
    def misbehave(self, behaviour: Behaviour, *, path: str | None = None, project: str | None = None) -> Misbehaviour:
        """From now on answer the requests whose path matches the regular expression `path` (searched in the full
        path, prefix and query included) and/or that concern `project` (its simple page and its files) as
        `behaviour` says; the rest as usual. Ends with the `with` block of what it returns, at its `end()`, or
        when the test ends. A behaviour of the connection (refuse, unresolvable, link_down) is the whole upstream's."""
        if behaviour.connection in ("refuse", "name", "link") and (path is not None or project is not None):
            raise ValueError(f"{behaviour} acts on the whole upstream: no path or project")
        if behaviour.connection in ("name", "link") and not any(r.way == behaviour.connection for r in self.routes):
            raise ValueError(f"{behaviour}: {self.name} has no {behaviour.connection!r} route (fixtures/upstreams.py "
                             "makes upstreams reached by a host name or over a link)")
        found = Misbehaviour(behaviour, re.compile(path) if path is not None else None,
                             canonicalize_name(project) if project is not None else None, self._ended)
        with self._lock:
            self._misbehaviours.add(found)
            self._connect()
        return found

    @property
    def misbehaviours(self) -> tuple[Misbehaviour, ...]:
        """In force now, oldest first."""
        return tuple(self._misbehaviours)

    def back_to_normal(self, *, since: float = 0.0) -> None:
        """End every misbehaviour begun at or after `since` (a `time.monotonic()`; all of them by default): how
        the harness hands each test the session's upstreams."""
        for found in self._misbehaviours:
            if found.began >= since:
                found.end()

    def _ended(self, found: Misbehaviour) -> None:
        with self._lock:
            self._misbehaviours.remove(found)
            self._connect()

    def _connect(self) -> None:
        """The socket and the routes as the connection behaviours in force say (under the lock)."""
        cut = self._misbehaviours.cut()
        if self._serving:
            if "refuse" in cut:
                self.socket.close()
            else:
                self.socket.open()
        for route in self.routes:
            route.set_down(route.way in cut)


def fake_pypi(root: Path, *, host: str = "127.0.0.1") -> FakeUpstream:
    return FakeUpstream("fake PyPI", root, host=host)


def fake_artifactory(root: Path, *, host: str = "127.0.0.1") -> FakeUpstream:
    return FakeUpstream("fake Artifactory", root, prefix=ARTIFACTORY_PREFIX, artifactory=True, host=host)
