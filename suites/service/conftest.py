"""Fixtures of the service scenarios (helpers in service_support.py)."""

from __future__ import annotations

import pytest

from suites.service.service_support import service_fixture

service = pytest.fixture(service_fixture, name="service")
