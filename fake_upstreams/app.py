"""pypiserver apps laid out as PyPI and as Artifactory serve them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pypiserver

from fake_upstreams.wsgi import WSGIApp, with_changed_body


def pypiserver_app(root: Path) -> WSGIApp:
    # disable_fallback: without it a missing project redirects to the real PyPI.
    return pypiserver.app(
        roots=[root],
        disable_fallback=True,
        authenticate=[],
        password_file=".",
        backend_arg="simple-dir",
        hash_algo="sha256",
        overwrite=True,
    )


def not_found(_environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = b"404 Not Found\n"
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def mounted(app: WSGIApp, prefix: str) -> WSGIApp:
    """Serve `app` under `prefix` only, as a reverse proxy would."""
    prefix = prefix.rstrip("/")

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != prefix and not path.startswith(prefix + "/"):
            return not_found(environ, start_response)
        environ = {**environ, "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + prefix, "PATH_INFO": path[len(prefix) :]}
        return app(environ, start_response)

    return dispatch


# Artifactory's simple pages link files relatively, under a content-addressed path:
#   ../../packages/packages/ab/cd/ef0123.../name-1.0.tar.gz#sha256=abcdef0123...
_PYPISERVER_LINK = re.compile(rb'href="[^"]*/packages/([^"/#]+)#sha256=([0-9a-f]{64})"')
_ARTIFACTORY_FILE = re.compile(r"^/packages/packages/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/([^/]+)$")


def _artifactory_link(m: re.Match[bytes]) -> bytes:
    filename, digest = m[1], m[2]
    content_path = b"/".join([digest[:2], digest[2:4], digest[4:], filename])
    return b'href="../../packages/packages/' + content_path + b"#sha256=" + digest + b'"'


def artifactory_links(app: WSGIApp) -> WSGIApp:
    def rewrite(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if match := _ARTIFACTORY_FILE.match(path):
            return app({**environ, "PATH_INFO": f"/packages/{match[1]}"}, start_response)
        if not path.startswith("/simple/") or path == "/simple/":
            return app(environ, start_response)
        return with_changed_body(app, environ, start_response, lambda body: _PYPISERVER_LINK.sub(_artifactory_link, body))

    return rewrite
