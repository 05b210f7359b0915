"""Live mode judges a running server without writing to it: on a server set up by the deployment its
checks pass and devpi's serial does not move; on a server whose root/local lost a base they fail; and where
there is nothing to compare (an index configure.sh asks nothing of) or the named private project does not come
from the intranet's index, they fail saying so instead of passing on nothing."""

from __future__ import annotations

import re

import pytest

from fixtures.catalogue import PRIVATE_VERSION
from fixtures.deployment import BUNDLED, Deployment

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
    result = run_suite(BUNDLED, "suites/live", "--live-url", live_server.url, "--live-home", str(live_server.settings.home),
                       "--live-private-version", PRIVATE_VERSION)

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


# configure.sh without the guide's `devpi index pypi ...` line: it asks nothing of root/pypi.
ROOT_PYPI_LINE = ('devpi index pypi mirror_use_external_urls=True ${DEPLOY_PYPI_URL:+"mirror_url=${DEPLOY_PYPI_URL}"}'
                  "  # don't cache PyPI packages\n")


@pytest.mark.breaks("P1")
@pytest.mark.breaks("R2")
def test_a_live_run_fails_where_it_has_nothing_to_compare(live_server, run_suite, tmp_path):
    """A configure.sh that asks nothing of root/pypi leaves nothing to compare root/pypi with, and a "private"
    project that is PyPI's (numpy) is not served from the intranet's index: both fail, saying so."""
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", ("configure.sh", ROOT_PYPI_LINE, ""))
    result = run_suite(copy.source, "suites/live", "--live-url", live_server.url, "--live-home", str(live_server.settings.home),
                       "--live-private", "numpy")

    assert result.returncode == 1, result
    assert (result.verdicts["P1"], result.verdicts["R2"], result.verdicts["R1"]) == ("BROKEN", "BROKEN", "kept"), result
    assert re.search(r"\[P1\] nothing to compare: \S+/configure\.sh asks nothing of root/pypi", result.output), result
    assert re.search(r"\[R2\] pip sees numpy .* through root/local, but none of it comes from root/python-local", result.output), (
        result)


@pytest.mark.breaks("R2")
def test_a_live_run_fails_when_the_expected_private_version_is_not_served(live_server, run_suite):
    result = run_suite(BUNDLED, "suites/live", "--live-url", live_server.url, "--live-home", str(live_server.settings.home),
                       "--live-private-version", "99.0")

    assert result.returncode == 1, result
    assert result.verdicts["R2"] == "BROKEN" and result.verdicts["R1"] == "kept", result
    assert re.search(r"\[R2\] the intranet's private-package 99\.0 \(--live-private-version\) is not served", result.output), (
        result)
