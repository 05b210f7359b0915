"""Fake PyPI and fake Artifactory: real HTTP servers built on pypiserver.

Each records every request it sees and can be switched at any moment between being
online and each way an upstream can be gone (see `Mode`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from packaging.utils import canonicalize_name

from fake_upstreams.app import artifactory_links, mounted, pypiserver_app
from fake_upstreams.behaviours import Behaviour, Behaviours, misbehaving
from fake_upstreams.faults import Mode, faulty
from fake_upstreams.metadata import pep592_metadata
from fake_upstreams.recorder import RequestLog, SeenRequest, recording
from fake_upstreams.server import ServerSocket

__all__ = ["Behaviour", "FakeUpstream", "Mode", "RequestLog", "SeenRequest", "fake_artifactory", "fake_pypi"]

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
        self._mode = Mode.ONLINE
        self._mode_lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)
        self.yanked: dict[str, str] = {}  # filename -> PEP 592 reason, served as data-yanked
        app = pep592_metadata(pypiserver_app(root), root, self.yanked)
        if artifactory:
            app = artifactory_links(app)
        if prefix:
            app = mounted(app, prefix)
        self.behaviours = Behaviours()
        # Inside the recorder, so a changed answer is logged with the status it went out with.
        app = misbehaving(faulty(app, self.mode), self.behaviours, root)
        self.socket = ServerSocket(recording(app, self.log), self.log, self.mode, host)
        self.socket.released.set()

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> FakeUpstream:
        self.socket.open()
        return self

    def stop(self) -> None:
        self.behaviours.clear()
        self.socket.released.set()  # let hanging handlers go, so their threads end
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
        return f"<{type(self).__name__} {self.name} {self.simple_url} mode={self._mode.value}>"

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

    # -- faults -------------------------------------------------------------------------
    def mode(self) -> Mode:
        return self._mode

    def set_mode(self, mode: Mode) -> None:
        with self._mode_lock:
            if mode is Mode.HANG:
                self.socket.released.clear()
            else:
                self.socket.released.set()
            if mode is Mode.REFUSE:
                self.socket.close()
            else:
                self.socket.open()
            self._mode = mode

    # -- misbehaviours (fake_upstreams/behaviours.py) ----------------------------------------
    def misbehave(self, behaviour: Behaviour, *, path: str | None = None, project: str | None = None) -> Behaviour:
        """Answer the requests whose path matches the regular expression `path` (searched in the full path,
        prefix and query included) and/or that concern `project` (its simple page and its files) as
        `behaviour` says, until `unmisbehave(behaviour)` or `reset_behaviours()` (after every test).
        Requests that match neither are served as usual; the newest matching behaviour wins."""
        behaviour.path = re.compile(path) if path is not None else None
        behaviour.project = canonicalize_name(project) if project is not None else None
        return self.behaviours.add(behaviour)

    def unmisbehave(self, behaviour: Behaviour) -> None:
        self.behaviours.remove(behaviour)

    @contextlib.contextmanager
    def misbehaving(self, *behaviours: Behaviour, path: str | None = None,
                    project: str | None = None) -> Iterator[FakeUpstream]:
        """`misbehave` inside the block only (several behaviours: the last one listed wins where they overlap)."""
        added = [self.misbehave(b, path=path, project=project) for b in behaviours]
        try:
            yield self
        finally:
            for behaviour in added:
                self.unmisbehave(behaviour)

    def reset_behaviours(self) -> None:
        """Every misbehaviour gone, stalled answers let go."""
        self.behaviours.clear()

    def back_to_normal(self) -> None:
        """Online, and no misbehaviour: how every test finds the session's upstreams."""
        self.set_mode(Mode.ONLINE)
        self.reset_behaviours()

    @contextlib.contextmanager
    def fault(self, mode: Mode) -> Iterator[FakeUpstream]:
        """Be gone in `mode` inside the block, online again after it."""
        self.set_mode(mode)
        try:
            yield self
        finally:
            self.set_mode(Mode.ONLINE)


def fake_pypi(root: Path, *, host: str = "127.0.0.1") -> FakeUpstream:
    return FakeUpstream("fake PyPI", root, host=host)


def fake_artifactory(root: Path, *, host: str = "127.0.0.1") -> FakeUpstream:
    return FakeUpstream("fake Artifactory", root, prefix=ARTIFACTORY_PREFIX, artifactory=True, host=host)
