"""Fixtures of the containers suite: the container engine, the two ways a container reaches the host,
and a devpi whose upstreams have names both sides resolve (container_world.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from fake_upstreams import FakeUpstream
from fixtures import apt, containers, netns
from fixtures.servers import DevpiFactory
from suites.containers.container_world import NamedWorld, named_world


@pytest.fixture(scope="session")
def container_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[containers.Engine]:
    """podman, installed by the suite where it is missing and it can (root, apt); skipped with the reason
    where no container can run."""
    apt.install_or_skip("containers", containers.PACKAGES, containers.PACKAGES, "container-engine",
                        cannot=containers.install_reason)
    with containers.engine_session(tmp_path_factory.mktemp("podman")) as engine:
        reason = engine.unusable_reason()
        if reason:
            pytest.skip(f"containers skipped: {reason}")
        yield engine


@pytest.fixture(scope="session")
def lima() -> containers.Network:
    return containers.lima_network()


@pytest.fixture
def routed() -> Iterator[tuple[containers.Network, netns.NetNamespace]]:
    """A network namespace of the test's own, linked to the host by a veth pair, for a container to join."""
    reason = netns.unavailable_reason()
    if reason:
        pytest.skip(f"the routed-link model skipped: {reason}")
    with netns.network_namespace() as ns:
        yield containers.routed_network(ns.path, ns.host_address), ns


@pytest.fixture(scope="session")
def named_worlds(devpi_factory: DevpiFactory, fake_pypi: FakeUpstream, fake_artifactory: FakeUpstream,
                 tmp_path_factory: pytest.TempPathFactory) -> Callable[..., AbstractContextManager[NamedWorld]]:
    """named_worlds(**server): `with` it, a devpi of the deployment whose upstreams are reached by name
    (container_world.named_world; `server`: DevpiFactory.server's keyword arguments, e.g. extra_steps)."""
    return lambda **server: named_world(devpi_factory, fake_pypi, fake_artifactory, tmp_path_factory.mktemp("names"), **server)


@pytest.fixture(scope="module")
def world(named_worlds: Callable[..., AbstractContextManager[NamedWorld]],
          container_engine: containers.Engine) -> Iterator[NamedWorld]:
    """The deployment as the guide sets it up, its upstreams reached by name."""
    with named_worlds() as made:
        yield made
