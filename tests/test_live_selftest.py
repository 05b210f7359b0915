"""Live mode judges a running server without writing to it: on a server set up by the deployment its
checks pass and devpi's serial does not move; on a server whose root/local lost a base they fail."""

from __future__ import annotations

import re

import pytest

from fixtures.deployment import BUNDLED

pytestmark = pytest.mark.selftest


def serial(server) -> int:  # noqa: ANN001
    return int(server.api.session.get(server.api.url + "+api", timeout=30).headers["X-Devpi-Serial"])


@pytest.fixture
def live_server(make_devpi, fake_pypi, fake_artifactory, pip_client, monkeypatch):  # noqa: ANN201
    """A server as a user has it: the deployment's, its pages read once (as any pip run would)."""
    server = make_devpi()
    for name in ("numpy", "private-package"):
        assert pip_client.download(name, index_url=server.index_url("root/local")).ok
    # the child run reads the deployment's upstream URLs as the user's environment would give them
    monkeypatch.setenv("DEPLOY_ARTIFACTORY_URL", fake_artifactory.simple_url)
    monkeypatch.setenv("DEPLOY_PYPI_URL", fake_pypi.simple_url)
    return server


def test_a_live_run_passes_on_the_deployments_server_and_writes_nothing(live_server, run_suite):
    before = serial(live_server)
    result = run_suite(BUNDLED, "suites/live", "--live-url", live_server.url, "--live-home", str(live_server.settings.home))

    assert result.returncode == 0, result
    assert result.verdicts == {"R1": "kept", "R2": "kept", "P1": "kept", "P2": "kept", "O1": "kept", "S3": "kept",
                               "C3": "kept"}, result
    assert serial(live_server) == before, f"the live run changed the server (serial {before} -> {serial(live_server)})"
    assert not re.search(r"suites/(smoke|resolution|offline|caching)", result.output), f"only live checks run\n{result}"


@pytest.mark.breaks("R1")
@pytest.mark.parametrize("bases", ["root/pypi", "root/pypi,root/python-local"], ids=["a base lost", "bases in the wrong order"])
def test_a_live_run_fails_on_a_server_whose_root_local_bases_changed(bases, live_server, run_suite):
    live_server.api.login("root", live_server.settings.root_password)
    live_server.api.set_index_options("root/local", bases=bases)
    result = run_suite(BUNDLED, "suites/live", "--live-url", live_server.url, "--live-home", str(live_server.settings.home))

    assert result.returncode == 1, result
    assert (result.verdicts["R1"], result.verdicts["P1"], result.verdicts["P2"]) == ("BROKEN", "kept", "kept"), result
    assert re.search(r"\[R1\] root/local on \S+ is not configured as .*root/local: asked bases=", result.output), result
