"""C3-pip-search-fails is one exact exchange (suites/clients/search_answers.py): real pip's `search` against a
stand-in for devpi's index URL that answers as devpi-server 6.20.3 does (400), or fails otherwise (500, or a
400 for another URL), with devpi's log as it then reads. Only the first is the finding."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from suites.clients import search_answers


# devpi-server 6.20.3's log of `pip search` through the guide's [search] index (captured from the scenario);
# PORT stands for the index URL's port.
REFUSED_LOG = """\
2026-12-06 06:24:33,297 INFO  [req16] POST /root/local/
2026-12-06 06:24:33,299 ERROR [req16] [Wtx3] while handling http://localhost:PORT/root/local/:
Bad request: could not decode json
"""
# What waitress logs under devpi-server when a view raises: the 500 pip then gets.
CRASHED_LOG = """\
2026-12-06 06:24:33,297 INFO  [req16] POST /root/local/
2026-12-06 06:24:33,299 ERROR [req16] Exception while serving /root/local/
Traceback (most recent call last):
  File ".../waitress/channel.py", line 428, in service
    task.service()
KeyError: 'name'
"""


class Answer(http.server.BaseHTTPRequestHandler):
    status = 400
    hits: list[dict] | None = None  # answer the XML-RPC call with these (as devpi-web does), status 200

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"Bad request: could not decode json" if self.status == 400 else b"Internal Server Error"
        if self.hits is not None:
            body = xmlrpc.client.dumps((self.hits,), methodresponse=True).encode()
        self.send_response(200 if self.hits is not None else self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index() -> Iterator[tuple[str, type[Answer]]]:
    """A loopback stand-in for devpi's root/local URL; its handler's `status` says how it answers."""
    handler = type("Answering", (Answer,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}/root/local/", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def pip_search(index: str, tmp_path: Path) -> str:
    """Real pip's `search` against `index`, with no configuration of the host's: its stderr (it must fail)."""
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "HOME": str(tmp_path), "NO_PROXY": "*"}
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir", "search",
                           "--index", index, "--", "private-package"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode != 0, f"pip search should fail against this stand-in\n{done.stdout}{done.stderr}"
    return done.stderr


def log_for(template: str, index: str) -> str:
    return template.replace("http://localhost:PORT/root/local/", index)


def test_devpis_400_refusal_of_the_xml_body_is_the_finding(index, tmp_path):
    url, _ = index
    evidence = search_answers.xmlrpc_refused(url, pip_search(url, tmp_path), log_for(REFUSED_LOG, url))
    assert evidence and "could not decode json" in evidence and f"400 Client Error: Bad Request for url: {url}" in evidence


def test_a_500_with_a_traceback_is_not_the_finding(index, tmp_path):
    url, handler = index
    handler.status = 500
    stderr = pip_search(url, tmp_path)
    assert "500 Server Error" in stderr, stderr
    assert search_answers.xmlrpc_refused(url, stderr, CRASHED_LOG) is None
    # devpi's refusal logged, yet a traceback beside it or pip meeting a 500: still not the exact exchange
    assert search_answers.xmlrpc_refused(url, stderr, log_for(REFUSED_LOG, url)) is None
    assert search_answers.xmlrpc_refused(url, pip_search(url, tmp_path), log_for(REFUSED_LOG, url) + CRASHED_LOG) is None


def test_a_400_for_another_url_or_for_another_reason_is_not_the_finding(index, tmp_path):
    url, _ = index
    stderr = pip_search(url, tmp_path)
    other = url.replace("/root/local/", "/root/pypi/")
    assert search_answers.xmlrpc_refused(other, stderr, log_for(REFUSED_LOG, other)) is None
    assert search_answers.xmlrpc_refused(url, stderr, log_for(REFUSED_LOG, url).replace("could not decode json",
                                                                                       ":action field not found")) is None


# devpi-web's answer (null_index.py / whoosh_index.py query_packages) for a project devpi has not fetched yet.
UNCACHED_HIT = {"name": "private-package", "summary": "[python-local]", "version": "", "_pypi_ordering": 0}
ANSWERED_LOG = "2026-12-06 09:45:59,913 INFO  [req16] POST /root/local/\n"


def test_devpi_webs_empty_version_for_an_uncached_project_is_the_other_finding(index, tmp_path):
    url, handler = index
    handler.hits = [UNCACHED_HIT]
    stderr = pip_search(url, tmp_path)
    hits = search_answers.xmlrpc_hits(url, "private-package")
    assert hits == [UNCACHED_HIT]
    evidence = search_answers.empty_version_refused(stderr, hits, ANSWERED_LOG)
    assert evidence and "version '' for private-package" in evidence, stderr
    assert search_answers.xmlrpc_refused(url, stderr, ANSWERED_LOG) is None
    # pip stopping for another reason, hits with versions, or a traceback in devpi's log: not this finding
    assert search_answers.empty_version_refused("ERROR: Exception: KeyError", hits, ANSWERED_LOG) is None
    assert search_answers.empty_version_refused(stderr, [{**UNCACHED_HIT, "version": "2.0"}], ANSWERED_LOG) is None
    assert search_answers.empty_version_refused(stderr, hits, ANSWERED_LOG + CRASHED_LOG) is None


def test_devpi_servers_refusal_has_no_hits(index):
    url, _ = index
    assert search_answers.xmlrpc_hits(url, "private-package") == []
