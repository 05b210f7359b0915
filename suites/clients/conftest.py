"""Fixtures of the clients suite: the guide's other clients (setuptools, zc.buildout, a browser), each
run with a throw-away HOME that holds the deployment's own files."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures import apt, browser
from fixtures.devpi import DevpiServer
from fixtures.legacy_clients import LegacyTools, ToolsUnavailable, kept_tools
from fixtures.installs import prefix_cache

# What client-config.sh writes under HOME, besides pip.conf (which pip reads from PIP_CONFIG_FILE here).
HOME_FILES = (".pydistutils.cfg", ".buildout/default.cfg")
SIMPLE_INDEX = re.compile(r"/[^/\s]+/[^/\s]+/\+simple/")


@pytest.fixture(scope="session")
def legacy_tools(pytestconfig: pytest.Config) -> LegacyTools:
    """setuptools and zc.buildout, the newest releases, kept between runs beside devpi-server's installs."""
    try:
        return kept_tools(prefix_cache(pytestconfig))
    except ToolsUnavailable as exc:
        pytest.skip(f"setuptools and zc.buildout unavailable: {exc}")


@pytest.fixture
def deployment_home(devpi: DevpiServer, tmp_path: Path) -> Callable[..., Path]:
    """home(index=None): a fresh HOME with copies of the .pydistutils.cfg and .buildout/default.cfg the
    deployment wrote for the session's devpi; `index` puts another devpi index where they name one (a clone
    of root/local that can see projects published during the test), and nothing else changes."""
    made = 0

    def make(index: str | None = None) -> Path:
        nonlocal made
        made += 1
        home = tmp_path / f"home-{made}"
        for name in HOME_FILES:
            written = devpi.settings.home / name
            assert written.is_file(), f"[C3] client-config.sh wrote no {written}"
            (home / name).parent.mkdir(parents=True, exist_ok=True)
            text = written.read_text()
            if index is not None:
                text, replaced = SIMPLE_INDEX.subn(f"/{index}/+simple/", text)
                assert replaced, f"[C3] {written} names no devpi simple index (/USER/INDEX/+simple/):\n{text}"
            (home / name).write_text(text)
        return home

    return make


@pytest.fixture(scope="session")
def chromium() -> browser.Chromium:
    """Debian's chromium, installed by the suite where it is missing and it can (root, apt); skipped with the
    reason where it cannot."""
    apt.install_or_skip("the browser check", browser.PACKAGES, [browser.PROGRAM], "chromium")
    return browser.Chromium(shutil.which(browser.PROGRAM) or browser.PROGRAM)
