"""A devpi whose upstreams have names both sides resolve (a module of its own name: `conftest` is not
importable reliably from test modules).

In the guide's world PyPI is on the internet: devpi reaches it, and so does a container (Rancher
Desktop's VM has the host's internet). root/pypi passes files through (mirror_use_external_urls=True):
devpi answers a file request with a redirect to PyPI's own URL, which the *container* then fetches.
So the fake PyPI is named by a host name, PYPI_HOST, that resolves on both sides: for devpi through a
private /etc/hosts (fixtures/hosts.py) to 127.0.0.1, inside the container with --add-host to the
host's address there (10.0.2.2 in the Lima model, the host's loopback). The intranet is named too
(ARTIFACTORY_HOST, devpi's side only): "off the VPN" is that name no longer resolving for devpi,
`world.artifactory.misbehave(unresolvable())`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fake_upstreams import ARTIFACTORY_PREFIX, FakeUpstream
from fixtures import containers, hosts
from fixtures.clients import PipClient
from fixtures.devpi import DevpiServer
from fixtures.effective import not_applicable, read_setting
from fixtures.servers import DevpiFactory
from fixtures.upstreams import ARTIFACTORY_HOST, PYPI_HOST, reached_by_name


def pypi_passes_through(devpi: DevpiServer) -> bool:
    """root/pypi's mirror_use_external_urls as devpi applies it after the deployment's steps: True is the guide's
    "don't cache PyPI packages", False its cache note."""
    return bool(read_setting(devpi, "root/pypi", "mirror_use_external_urls").value)


def not_applicable_without_pass_through(devpi: DevpiServer, why: str) -> None:
    """Skip, saying why, where this deployment's root/pypi caches PyPI's files (the guide's cache note)."""
    __tracebackhide__ = True
    setting = read_setting(devpi, "root/pypi", "mirror_use_external_urls")
    if not setting.value:
        not_applicable(setting, f"the guide's cache-PyPI note: {why}")


@dataclass
class NamedWorld:
    """A devpi of its own that reaches both fakes by name, and the names it resolves."""

    devpi: DevpiServer
    names: hosts.PrivateNames
    pypi: FakeUpstream
    artifactory: FakeUpstream

    @property
    def port(self) -> int:
        return self.devpi.settings.port

    def container_hosts(self, network: containers.Network, *, pypi: bool = True) -> dict[str, str]:
        """The names a container on `network` resolves: the guide's host alias, and PyPI (the internet) unless not."""
        names = {containers.LIMA_HOST: network.host_address}
        if pypi:
            names[PYPI_HOST] = network.host_address
        return names

    def host_pip(self, workdir: Path) -> PipClient:
        """pip on the host, with the deployment's pip.conf, resolving the internet's names as devpi does."""
        return PipClient(workdir, config=self.devpi.settings.pip_conf, launcher=self.names.launcher)


@contextlib.contextmanager
def named_world(devpi_factory: DevpiFactory, pypi: FakeUpstream, artifactory: FakeUpstream, folder: Path,
                **server: object) -> Iterator[NamedWorld]:
    """A devpi from the deployment (with DevpiFactory.server's `server` arguments) reaching the session's
    fakes as http://PYPI_HOST:PORT/ and http://ARTIFACTORY_HOST:PORT/, its private /etc/hosts in `folder`.
    From the factory, not make_devpi: the module's `world` outlives one test."""
    reason = hosts.unavailable_reason()
    if reason:
        pytest.skip(f"containers skipped: devpi needs its own name resolution for PyPI's host name: {reason}")
    names = hosts.PrivateNames(folder, {PYPI_HOST: "127.0.0.1"})
    with reached_by_name(artifactory, names, ARTIFACTORY_HOST), devpi_factory.server(
            launcher=names.launcher,
            pypi_url=f"http://{PYPI_HOST}:{pypi.port}/simple/",
            artifactory_url=f"http://{ARTIFACTORY_HOST}:{artifactory.port}{ARTIFACTORY_PREFIX}/simple/",
            **server) as devpi:
        yield NamedWorld(devpi, names, pypi, artifactory)
