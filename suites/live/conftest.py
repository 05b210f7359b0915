"""Live mode: `pytest --live-url URL` checks somebody's running devpi, read-only.

Nothing here starts a server, logs in, or sends anything but GET: the session refuses any other
method before it leaves this process. Reading a mirror's simple page can still make devpi refresh
it from its upstream once the page's cache time has passed (devpi's own write, as for any pip run).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from fixtures.api import DevpiApi
from fixtures.clients import PipClient
from fixtures.deployment import Settings


class WriteRefused(AssertionError):
    pass


def read_only(session: requests.Session) -> None:
    send = session.request

    def request(method: str, url: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if method.upper() not in ("GET", "HEAD"):
            raise WriteRefused(f"live mode never writes to the server: refused {method} {url}")
        return send(method, url, *args, **kwargs)

    session.request = request  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def live_url(pytestconfig: pytest.Config) -> str:
    return pytestconfig.getoption("live_url").rstrip("/") + "/"


@pytest.fixture(scope="session")
def live_api(live_url: str) -> DevpiApi:
    api = DevpiApi(live_url)
    read_only(api.session)
    return api


@pytest.fixture(scope="session")
def live_home(pytestconfig: pytest.Config) -> Path:
    return pytestconfig.getoption("live_home") or Path.home()


@pytest.fixture(scope="session")
def live_settings(live_url: str, live_home: Path) -> Settings:
    """The deployment's values for the live server: its port from the URL; the upstream URLs from
    DEPLOY_* where set, else the deployment's own env.sh defaults."""
    import os

    port = urlsplit(live_url).port or 80
    return Settings(home=live_home, prefix=Path("/nonexistent"), port=port,
                    artifactory_url=os.environ.get("DEPLOY_ARTIFACTORY_URL", ""), pypi_url=os.environ.get("DEPLOY_PYPI_URL", ""),
                    root_password="")


@pytest.fixture
def live_pip(tmp_path: Path) -> PipClient:
    return PipClient(tmp_path / "pip")
