"""PEP 503/592 link attributes that pypiserver does not serve: data-requires-python and data-yanked.

A real upstream (PyPI, Artifactory) tells its clients on the simple page which files need a
newer Python and which releases are yanked; pip and devpi act on those attributes without
downloading the file. pypiserver writes bare links, so this middleware adds them:
`data-requires-python` is read from the file itself (a wheel's METADATA, an sdist's PKG-INFO),
as an index derives it from the uploaded metadata, and `data-yanked` comes from the upstream's
yanked files (filename -> reason), which the test sets and may change at any moment.
"""

from __future__ import annotations

import html
import re
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping
from email.parser import HeaderParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fake_upstreams.wsgi import WSGIApp, with_changed_body

# pypiserver's file links: <a href="/packages/<file>#sha256=<hex>">  (attributes go after href)
_LINK = re.compile(rb'<a href="([^"]*/packages/([^"/#]+)(?:#[^"]*)?)"')


def requires_python(path: Path) -> str | None:
    """The Requires-Python of a wheel or sdist, from the metadata inside it (None if it has none)."""
    text = _metadata_text(path)
    if text is None:
        return None
    value = HeaderParser().parsestr(text).get("Requires-Python")
    return value.strip() if value else None


def _metadata_text(path: Path) -> str | None:
    name = path.name
    try:
        if name.endswith(".whl"):
            with zipfile.ZipFile(path) as zf:
                member = next((n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), None)
                return zf.read(member).decode("utf-8", "replace") if member else None
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                member = next((n for n in zf.namelist() if re.fullmatch(r"[^/]+/PKG-INFO", n)), None)
                return zf.read(member).decode("utf-8", "replace") if member else None
        if name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar")):
            with tarfile.open(path) as tf:
                member = next((m for m in tf.getmembers() if re.fullmatch(r"[^/]+/PKG-INFO", m.name)), None)
                extracted = tf.extractfile(member) if member else None
                return extracted.read().decode("utf-8", "replace") if extracted else None
    except (OSError, zipfile.BadZipFile, tarfile.TarError):
        return None  # a file that is not an archive (a test's deliberately broken one) has no metadata
    return None


class _RequiresPythonCache:
    """Archives are opened once per version of a file: a simple page lists every release.
    ctime is in the key because publish() (copy2) may rewrite a file keeping size and mtime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[Path, int, int, int], str | None] = {}

    def get(self, path: Path) -> str | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        key = (path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        with self._lock:
            if key in self._seen:
                return self._seen[key]
        value = requires_python(path)
        with self._lock:
            self._seen[key] = value
        return value


def link_attributes(root: Path, yanked: Mapping[str, str],
                    cache: _RequiresPythonCache | None = None) -> Callable[[bytes], bytes]:
    """A function that adds the attributes to every file link of a simple page's HTML."""
    cache = cache or _RequiresPythonCache()

    def rewrite(body: bytes) -> bytes:
        def add(match: re.Match[bytes]) -> bytes:
            filename = unquote(match[2].decode())
            extra = ""
            spec = cache.get(root / filename)
            if spec is not None:
                extra += f' data-requires-python="{html.escape(spec, quote=True)}"'
            reason = yanked.get(filename)
            if reason is not None:
                extra += f' data-yanked="{html.escape(reason, quote=True)}"'
            return match[0] + extra.encode()

        return _LINK.sub(add, body)

    return rewrite


def pep592_metadata(app: WSGIApp, root: Path, yanked: Mapping[str, str]) -> WSGIApp:
    """Wrap a pypiserver app: its project pages (`/simple/<name>/`) carry both attributes."""
    rewrite = link_attributes(root, yanked)

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/simple/") or path.rstrip("/") == "/simple":
            return app(environ, start_response)
        return with_changed_body(app, environ, start_response, rewrite)

    return middleware
