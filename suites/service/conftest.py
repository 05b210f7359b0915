"""Fixtures of the service scenarios (helpers in service_support.py)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from xprocess import XProcess

from fake_upstreams import FakeUpstream
from fixtures.deployment import Deployment, Settings
from fixtures.devpi import DevpiServer, quick_start_for
from fixtures.launchd import DOMAIN
from fixtures.servers import free_port
from suites.service.service_support import READY_TIMEOUT

_SERVICES = itertools.count(1)


@pytest.fixture
def service(deployment: Deployment, devpi_prefix: Path, fake_pypi: FakeUpstream, fake_artifactory: FakeUpstream,
            xprocess_here: XProcess, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[DevpiServer]:
    """A home of its own for the deployment, nothing run yet; after the test: bootout, and whatever is left
    of the service killed."""
    settings = Settings(home=tmp_path / "home", prefix=devpi_prefix, port=free_port(),
                        artifactory_url=fake_artifactory.simple_url, pypi_url=fake_pypi.simple_url)
    # The password the deployment's own scripts give root (env.sh), as every other server of the run has it.
    settings = dataclasses.replace(settings, root_password=deployment.effective(settings.env(), "DEPLOY_ROOT_PASSWORD"))
    settings.home.mkdir()
    svc = DevpiServer(xprocess_here, f"service-{next(_SERVICES)}-{settings.port}", deployment, settings,
                      start_timeout=READY_TIMEOUT, quick_start=quick_start_for(request.config, request.node))
    yield svc
    svc.launchctl("bootout", DOMAIN + svc.label)
    svc.kill_leftovers()
