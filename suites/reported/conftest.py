"""What the reported scenarios share beyond the kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.deployment import Deployment
from fixtures.installs import kept_install


@pytest.fixture(scope="session")
def exporting_prefix(request: pytest.FixtureRequest, deployment: Deployment, devpi_prefix: Path,
                     tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The devpi-server a server directory is built and exported with before an import: the one of
    --upgrade-from A when given (an upgrade across versions), else the version under test."""
    version = request.config.getoption("upgrade_from")
    if not version:
        return devpi_prefix
    return kept_install(deployment, version, request.config, tmp_path_factory.mktemp("install-home"))
