"""Helpers of the caching suite: a plain HTTP client for looking at devpi's answers directly,
and the request pattern of a release file on either fake upstream."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest



@pytest.fixture
def file_request() -> Callable[[str], str]:
    """Regex of an upstream's request for one release file: fake PyPI serves /packages/<file>,
    fake Artifactory /…/packages/packages/<hash path>/<file>."""

    def pattern(filename: str) -> str:
        return rf"/packages/(?:.+/)?{re.escape(filename)}$"

    return pattern
