"""C2: which address devpi-server must listen on for a container to reach it.

The guide gives the service no --host: devpi-server listens on localhost (127.0.0.1). A container
reaches the host in one of two ways, each measured here with a real container:
- the Lima model (Rancher Desktop, the guide's example): the VM's user-mode network forwards the
  host alias to the host's loopback (slirp4netns: 10.0.2.2 is 127.0.0.1), so loopback is enough;
- a routed link (a bridge, as Docker or podman's own networks give a container on Linux): the
  container has its own network namespace and reaches the host at the link's host-side address
  (here a veth pair on 198.18.0.0/15 made by the suite); loopback is out of its reach.
"""

from __future__ import annotations

import ipaddress

import psutil
import pytest

from fixtures import containers
from fixtures.deployment import Deployment

# The container engine (a session fixture) and this module's world start once, in one worker (fixtures/sharing.py).
pytestmark = pytest.mark.xdist_group("containers")

ANSWERED = "200"


def listening(server) -> list[str]:  # noqa: ANN001
    """The addresses devpi-server (the wrapper's process tree) listens on, as the kernel reports them."""
    wrapper = psutil.Process(server.pid)
    return sorted({conn.laddr.ip for proc in [wrapper, *wrapper.children(recursive=True)]
                   for conn in proc.net_connections(kind="inet") if conn.status == psutil.CONN_LISTEN})


# devpi-server refuses --listen beside --host/--port ("either --listen or --host/--port, not both together").
PLIST_PORT = "        <string>--port</string>\n        <string>${DEPLOY_PORT}</string>\n"


def listen_instead_of_port(*listen: str) -> tuple[str, str, str]:
    """The change to service.sh that gives devpi-server `listen` options in place of the guide's --port."""
    return ("service.sh", PLIST_PORT, "".join(f"        <string>{option}</string>\n" for option in listen))


def api_url(port: int) -> str:
    return f"http://{containers.LIMA_HOST}:{port}/+api"


@pytest.mark.promise("C2")
def test_a_container_in_the_lima_model_reaches_devpi_bound_as_deployed(devpi, container_engine, lima, figure):
    """Rancher Desktop's host.lima.internal is the host's loopback: the deployment's binding must include it."""
    addresses = listening(devpi)
    answers, run = containers.probe(container_engine, lima, [api_url(devpi.settings.port)])
    answer = answers[api_url(devpi.settings.port)]
    figure("C2_lima_reaches", answer == ANSWERED,
           f"C2: in {lima}, a container reaches devpi listening on {', '.join(addresses)}: {answer}")
    assert answer == ANSWERED, (
        f"[C2] a container in {lima} cannot reach devpi at {api_url(devpi.settings.port)}: {answer}. devpi-server "
        f"listens on {', '.join(addresses) or 'nothing'}; Rancher Desktop forwards {containers.LIMA_HOST} to the host's "
        f"127.0.0.1 only, so the service must listen there (the guide's default: no --host, or --host 127.0.0.1)\n{run}")


@pytest.mark.promise("C2")
@pytest.mark.finding("C2-routed-container-needs-wider-bind")
def test_a_container_on_a_routed_link_reaches_devpi_bound_as_deployed(devpi, container_engine, routed, make_devpi,
                                                                     deployment, tmp_path, figure, finding):
    """The same question over a routed link: the container reaches the host at the link's address only.
    Where devpi is out of reach, the scenario checks its own advice (listen on loopback and on the link's
    address) on a copy of the deployment under test before reporting it."""
    network, ns = routed
    addresses = listening(devpi)
    answers, run = containers.probe(container_engine, network, [api_url(devpi.settings.port)])
    answer = answers[api_url(devpi.settings.port)]
    figure("C2_routed_reaches", answer == ANSWERED,
           f"C2: over {network}, a container reaches devpi listening on {', '.join(addresses)}: {answer}")
    if answer == ANSWERED:
        return
    wider = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
    assert not wider, (
        f"[C2] devpi-server listens beyond loopback, on {', '.join(wider)}, yet a container on a routed link cannot reach "
        f"it at {ns.host_address} ({api_url(devpi.settings.port)}: {answer}): the service is exposed on {', '.join(wider)} "
        f"without serving the containers. Listen where containers reach the host (the bridge's address, here "
        f"`--listen {ns.host_address}:PORT`), beside `--listen localhost:PORT` for the host's own pip\n{run}")

    listen = ("--listen", "localhost:${DEPLOY_PORT}", "--listen", f"{ns.host_address}:${{DEPLOY_PORT}}")
    advised_copy = Deployment(deployment.source).copy_with(tmp_path / "deployment", listen_instead_of_port(*listen))
    advised = make_devpi(deployment=advised_copy.source)
    advised_answers, advised_run = containers.probe(container_engine, network, [api_url(advised.settings.port)])
    assert advised_answers[api_url(advised.settings.port)] == ANSWERED, (
        f"[C2] the advice does not work: devpi with `{' '.join(listen)}` in its plist listens on "
        f"{', '.join(listening(advised))}, and a container over {network} still cannot reach it\n{advised_run}")
    finding("C2-routed-container-needs-wider-bind",
            f"devpi bound as the deployment binds it ({', '.join(addresses)}) answers a container in the Lima model "
            f"(Rancher Desktop) but not one on a routed link (a bridge: Docker, podman, a VM's own network), which reaches "
            f"the host at the bridge's address ({api_url(devpi.settings.port)} at {ns.host_address}: {answer}). For those, "
            f"the plist needs `--listen localhost:3141 --listen BRIDGE_ADDRESS:3141` in place of `--port 3141` (checked: "
            f"the container then reaches devpi); `--host BRIDGE_ADDRESS` alone would lose the host's own pip, whose "
            f"pip.conf says localhost. That exposes devpi to everything on the bridge, other containers and VMs included: with "
            f"the guide's root password 'root' (X2) anyone there can change every index and upload to root/local (X1), "
            f"over plain http. Never `--host 0.0.0.0`: it listens on every interface, reachable from the LAN and the VPN "
            f"(X2 fails on it).")
