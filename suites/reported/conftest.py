"""Scenarios that reproduce publicly reported devpi problems (see the README, "From a report to a scenario")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _upstreams_behave_again(request: pytest.FixtureRequest) -> Iterator[None]:
    """A misbehaviour installed with `misbehave()` (not the context manager) ends with its test."""
    yield
    for name in ("fake_pypi", "fake_artifactory"):
        if name in request.fixturenames:
            request.getfixturevalue(name).reset_behaviours()
