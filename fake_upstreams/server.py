"""A real HTTP server on loopback whose listening socket the test controls."""

from __future__ import annotations

import contextlib
import socketserver
import socket
import threading
import weakref
from collections.abc import Callable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from fake_upstreams.behaviours import RESET_KEY, abort_connection
from fake_upstreams.recorder import RequestLog
from fake_upstreams.wsgi import WSGIApp


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    # A hanging request must stall only itself, and devpi asks in parallel.
    daemon_threads = True
    allow_reuse_address = True
    owner: ServerSocket

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.to_reset: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def shutdown_request(self, request: Any) -> None:
        if request in self.to_reset:
            # No shutdown(SHUT_WR) first: its FIN would tell the client the answer ended in good order.
            abort_connection(request)
            self.close_request(request)
            return
        super().shutdown_request(request)


class _Handler(WSGIRequestHandler):
    server: _ThreadingWSGIServer

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        owner = self.server.owner
        held = owner.hanging(self.path)
        if held is None:
            return True
        # The request is read, so the log can say what hung; then nothing is said until it is let go.
        owner.log.add(self.command, self.path, None)
        held.wait()
        return False

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[RESET_KEY] = lambda: self.server.to_reset.add(self.connection)
        return environ

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the RequestLog is the record; stderr noise would only hide pytest's output


class ServerSocket:
    """Serves `app` on host:port; `close()` makes the port refuse, `open()` brings it back. `hanging(path)`: the
    event a request for `path` waits for before it is dropped unanswered, or None to answer it."""

    def __init__(self, app: WSGIApp, log: RequestLog, hanging: Callable[[str], threading.Event | None],
                 host: str = "127.0.0.1") -> None:
        self.app = app
        self.log = log
        self.hanging = hanging
        self.host = host
        self.port = 0  # ask the OS, then keep that port across close/open
        self._server: _ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None
        # Entered while the listening socket is made, e.g. to bind it inside a network namespace
        # (fixtures/netns.py); the serving thread is started after it is left.
        self.bind_context: Callable[[], contextlib.AbstractContextManager[object]] = contextlib.nullcontext

    def open(self) -> None:
        if self._server is not None:
            return
        with self.bind_context():
            server = _ThreadingWSGIServer((self.host, self.port), _Handler)
        server.owner = self
        server.set_app(self.app)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join(timeout=10)
        self._server = self._thread = None
