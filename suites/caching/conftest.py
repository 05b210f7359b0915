"""Helpers of the caching suite: a plain HTTP client for looking at devpi's answers directly,
and the request pattern of a release file on either fake upstream."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
import requests

from fixtures.api import http_session


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """requests without the host's proxy settings: loopback only, and we see devpi's own answer."""
    with http_session() as session:
        yield session


@pytest.fixture
def file_request() -> Callable[[str], str]:
    """Regex of an upstream's request for one release file: fake PyPI serves /packages/<file>,
    fake Artifactory /…/packages/packages/<hash path>/<file>."""

    def pattern(filename: str) -> str:
        return rf"/packages/(?:.+/)?{re.escape(filename)}$"

    return pattern
