"""Fixtures of the offline suite. The helpers live in modules of their own names (`conftest` is not
importable reliably from test modules), one per job: offline_intranets.py (the ways the intranet can be
gone, devpi's settings, what devpi asked of the intranet), offline_latency.py (O6's measurement),
offline_checks.py (assertions, worded for the person on call), offline_advice.py (the advised changes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures import netns
from suites.offline.offline_intranets import Intranet, linked_intranet_of, named_intranet_of, session_way


@pytest.fixture(scope="session")
def netns_reason() -> str | None:
    return netns.unavailable_reason()


@pytest.fixture(scope="session")
def network_namespaces(netns_reason: str | None) -> Iterator[None]:
    """Session finalizer: a namespace of this run that a test could not delete goes at the end;
    leftovers of killed runs go at the start."""
    if netns_reason:
        pytest.skip(f"network-level faults skipped: {netns_reason}")
    netns.clean_leftovers()
    yield
    netns.delete_all()


@pytest.fixture(scope="session")
def named_intranet(request: pytest.FixtureRequest) -> Iterator[Intranet]:
    with named_intranet_of(request) as intranet:
        yield intranet


@pytest.fixture(scope="session")
def linked_intranet(request: pytest.FixtureRequest) -> Iterator[Intranet]:
    with linked_intranet_of(request) as intranet:
        yield intranet


@pytest.fixture
def intranet(request: pytest.FixtureRequest) -> Intranet:
    """The intranet, and the way it goes away (parametrize indirectly with a name from WAYS)."""
    if request.param == "name":
        return request.getfixturevalue("named_intranet")
    if request.param == "link":
        return request.getfixturevalue("linked_intranet")
    return session_way(request, request.param)
