"""Fixtures of the durability suite; its helpers are in durability_support.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from fixtures.api import http_session


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with http_session() as session:
        yield session
