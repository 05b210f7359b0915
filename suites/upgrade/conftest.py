"""The rehearsal starts servers of its own, with two devpi-server versions; its pip must not wait for
the session's server, which the version under test may not even be able to set up."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.clients import PipClient


@pytest.fixture
def pip_client(tmp_path: Path) -> PipClient:
    """pip with no configuration at all: every call names the index it reads."""
    return PipClient(tmp_path / "pip")
