"""Unit tests for fixtures.api.DevpiApi, against `responses` (no devpi-server is started)."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from fixtures.api import DevpiApi

BASE = "http://devpi.test:3141"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def api() -> DevpiApi:
    api = DevpiApi(BASE, timeout=7)
    api.server_version = "6.20.3"  # what devpi's X-Devpi-Server-Version header would have said
    return api


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def sent(mocked: responses.RequestsMock, index: int = 0) -> requests.PreparedRequest:
    return mocked.calls[index].request


# -- URLs and JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["http://devpi.test:3141", "http://devpi.test:3141/", "http://devpi.test:3141//"])
def test_url_gets_exactly_one_trailing_slash(given: str) -> None:
    assert DevpiApi(given).url == f"{BASE}/"
    assert repr(DevpiApi(given)) == f"<DevpiApi {BASE}/>"


@pytest.mark.parametrize("path", ["root/pypi", "/root/pypi"])
def test_get_json_unwraps_result(api: DevpiApi, mocked: responses.RequestsMock, path: str) -> None:
    mocked.get(f"{BASE}/root/pypi", json={"type": "indexconfig", "result": {"type": "mirror", "volatile": False}})
    assert api.get_json(path) == {"type": "mirror", "volatile": False}
    request = sent(mocked)
    assert request.url == f"{BASE}/root/pypi"  # no doubled slash
    assert request.headers["Accept"] == "application/json"
    assert mocked.calls[0].request.req_kwargs["timeout"] == 7


def test_get_json_raises_on_http_errors(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/root/nope", status=404, json={"message": "no such index"})
    with pytest.raises(requests.HTTPError):
        api.get_json("root/nope")


# -- readiness ---------------------------------------------------------------------------------------------


def test_is_ready_on_200(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/+api", json={"result": {"login": f"{BASE}/+login"}})
    assert api.is_ready() is True
    assert sent(mocked).req_kwargs["timeout"] == 2


@pytest.mark.parametrize("status", [201, 302, 404, 500, 502, 503])
def test_is_not_ready_on_other_statuses(api: DevpiApi, mocked: responses.RequestsMock, status: int) -> None:
    mocked.get(f"{BASE}/+api", status=status, headers={"Location": f"{BASE}/elsewhere"} if status == 302 else {})
    if status == 302:
        mocked.get(f"{BASE}/elsewhere", status=404)  # followed, and still not ready
    assert api.is_ready() is False


@pytest.mark.parametrize("error", [
    requests.ConnectionError("connection refused"),
    requests.ConnectTimeout("connect timeout"),
    requests.ReadTimeout("read timeout"),
    requests.exceptions.ChunkedEncodingError("half an answer"),
], ids=lambda e: type(e).__name__)
def test_is_not_ready_on_connection_errors(api: DevpiApi, mocked: responses.RequestsMock, error: Exception) -> None:
    mocked.get(f"{BASE}/+api", body=error)
    assert api.is_ready() is False


def test_is_not_ready_when_nothing_listens() -> None:
    with socket.socket() as s:  # a port the OS just handed out and nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert DevpiApi(f"http://127.0.0.1:{port}").is_ready() is False


# -- login and writes --------------------------------------------------------------------------------------


def test_login_posts_json_and_sets_the_auth_header(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{BASE}/+login",
        match=[matchers.json_params_matcher({"user": "root", "password": "s3cret"})],
        json={"type": "proxyauth", "result": {"password": "tok:en/with+odd=chars", "expiration": 36000}},
    )
    api.login("root", "s3cret")
    request = sent(mocked)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"user": "root", "password": "s3cret"}
    header = api.session.headers["X-Devpi-Auth"]
    assert header == base64.b64encode(b"root:tok:en/with+odd=chars").decode()
    assert base64.b64decode(header) == b"root:tok:en/with+odd=chars"


def test_login_failure_raises_and_sets_no_header(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/+login", status=401, json={"message": "could not authenticate"})
    with pytest.raises(requests.HTTPError):
        api.login("root", "wrong")
    assert "X-Devpi-Auth" not in api.session.headers


def test_later_requests_carry_the_auth_header(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/+login", json={"result": {"password": "TOKEN"}})
    expected = base64.b64encode(b"root:TOKEN").decode()
    mocked.put(f"{BASE}/root/test", match=[matchers.header_matcher({"X-Devpi-Auth": expected})], json={"result": {}})
    api.login("root", "pw")
    api.create_index("root/test", type="stage")


def test_index_config_asks_without_projects(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/root/pypi",
        match=[matchers.query_string_matcher("no_projects=")],
        json={"result": {"type": "mirror", "mirror_url": "https://pypi.org/simple/"}},
    )
    assert api.index_config("root/pypi") == {"type": "mirror", "mirror_url": "https://pypi.org/simple/"}
    assert sent(mocked).url == f"{BASE}/root/pypi?no_projects="


def test_create_index_puts_json(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    config = {"type": "stage", "bases": "root/python-local,root/pypi", "volatile": True}
    mocked.put(
        f"{BASE}/root/local-copy",
        match=[matchers.json_params_matcher(config)],
        status=200,
        json={"type": "indexconfig", "result": {**config, "projects": []}},
    )
    assert api.create_index("root/local-copy", **config) == {**config, "projects": []}
    request = sent(mocked)
    assert request.method == "PUT"
    assert request.headers["Content-Type"] == "application/json"
    assert sent(mocked).req_kwargs["timeout"] == 7


def test_create_index_raises_on_conflict(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.put(f"{BASE}/root/local", status=409, json={"message": "index root/local exists"})
    with pytest.raises(requests.HTTPError):
        api.create_index("root/local", type="stage")


# -- simple pages ---------------------------------------------------------------------------------------


def test_simple_page_asks_for_html(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    html = '<html><body><a href="../../+f/abc/numpy-1.26.1.tar.gz#sha256=00">numpy-1.26.1.tar.gz</a></body></html>'
    mocked.get(
        f"{BASE}/root/local/+simple/numpy/",
        match=[matchers.header_matcher({"Accept": "text/html"})],
        body=html,
        content_type="text/html",
    )
    assert api.simple_page("root/local", "numpy") == (200, html)
    assert sent(mocked).headers["Accept"] == "text/html"
    assert api.session.headers["Accept"] == "application/json"  # only that request asked for HTML


def test_simple_page_returns_error_statuses_without_raising(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/root/local/+simple/nope/", status=404, body="not found")
    assert api.simple_page("root/local", "nope") == (404, "not found")


# -- the host's environment -------------------------------------------------------------------------------


@pytest.fixture
def hostile_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Proxy variables, a netrc and a CA bundle, as a host might have them."""
    for name in PROXY_VARS:
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens on the discard port
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine devpi.test login intruder password leaked\nmachine 127.0.0.1 login intruder password leaked\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))


@pytest.mark.usefixtures("hostile_env")
def test_session_ignores_proxy_env_and_netrc(api: DevpiApi, mocked: responses.RequestsMock) -> None:
    assert api.session.trust_env is False
    mocked.get(f"{BASE}/root/pypi", json={"result": {}})
    api.get_json("root/pypi")
    call = sent(mocked)
    assert not call.req_kwargs["proxies"]
    assert call.req_kwargs["verify"] is True
    assert "Authorization" not in call.headers


class _ApiHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b'{"result": {}}'
        self.send_response(200 if self.path == "/+api" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.mark.usefixtures("hostile_env")
def test_loopback_is_reached_directly_despite_proxy_env() -> None:
    # Over real HTTP: were the proxy variables honoured, the request would go to port 9 and fail.
    with ThreadingHTTPServer(("127.0.0.1", 0), _ApiHandler) as server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            api = DevpiApi(f"http://127.0.0.1:{server.server_address[1]}")
            assert api.is_ready() is True
            assert api.get_json("+api") == {}
        finally:
            server.shutdown()
            thread.join(5)


def test_the_api_speaks_the_version_the_server_names(mocked: responses.RequestsMock) -> None:
    """devpi's X-Devpi-Server-Version header picks the words: devpi 7's answers read in meaning words,
    and a setting in meaning words is sent in devpi 7's."""
    api = DevpiApi(BASE, timeout=7)
    seven = {"X-Devpi-Server-Version": "7.0.0b4"}
    mocked.get(f"{BASE}/+api", headers=seven, json={"result": {}})
    mocked.patch(f"{BASE}/root/pypi", headers=seven, match=[matchers.json_params_matcher(["remote_refresh_delay=0"])],
                 json={"result": {"type": "remote", "remote_refresh_delay": 0}})
    assert api.set_index_options("root/pypi", mirror_cache_expiry=0) == {"type": "mirror", "mirror_cache_expiry": 0}
    assert api.dialect.renamed
