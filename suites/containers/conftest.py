"""Fixtures of the containers suite: the container engine, the two ways a container reaches the host,
and a devpi whose upstreams have names both sides resolve (container_world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures import apt, containers, netns
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


@pytest.fixture(scope="module")
def world(request: pytest.FixtureRequest, container_engine: containers.Engine) -> Iterator[NamedWorld]:
    """The deployment as the guide sets it up, its upstreams reached by name."""
    with named_world(request) as made:
        yield made
