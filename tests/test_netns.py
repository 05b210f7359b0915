"""fixtures/netns.py: a namespace behind a veth link, a socket bound inside it from this process, a
link that can go dark without any packet leaving the machine, and no leftovers after a pass, a
failure, Ctrl-C or a killed run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from fake_upstreams import fake_artifactory
from fake_upstreams.behaviours import refuse
from fixtures.api import http_session
from fixtures import netns

pytestmark = pytest.mark.selftest
REASON = netns.unavailable_reason()
needs_netns = pytest.mark.skipif(REASON is not None, reason=f"{REASON}")
ROOT = Path(__file__).resolve().parent.parent


def listening_inside(ns: netns.NetNamespace) -> socket.socket:
    with ns.entered():
        server = socket.socket()
        server.bind((ns.address, 0))
        server.listen()
    return server


def connect(address: str, port: int, timeout: float = 1.5) -> str:
    """'connected', or the error a client gets."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return "connected"
    except TimeoutError:
        return "timeout"
    except OSError as exc:
        return f"error {exc.errno} {exc.strerror}"


def own_links() -> list[str]:
    return [name for name in netns._our_links() if f"dcf{os.getpid()}h" in name]


def test_without_root_the_reason_says_so(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "need root" in (netns.unavailable_reason() or "")


@needs_netns
def test_a_namespace_has_its_link_and_both_addresses_and_is_gone_afterwards():
    with netns.network_namespace() as ns:
        assert ns.path.exists() and ns.host_link in own_links(), ns
        inside = netns.ip("-n", ns.name, "-br", "addr")
        assert ns.address in inside and "lo" in inside, inside
        assert ns.subnet.subnet_of(netns.RANGE) and ns.host_address.startswith("198.18."), ns
        assert f"dev {ns.host_link}" in ns.route_from_host(), ns.route_from_host()
        assert netns.ip("route", "show", "proto", "242").strip(), "the guard route should be in place"
    assert not ns.exists(), f"{ns} should be gone"


# Runs in a network namespace of its own (`unshare -n`): there the guard route and the veth links are
# this child's alone, so "the last link" is known even while other tests, workers or runs on this
# machine hold namespaces (the host's guard route is never touched).
_GUARD_STEPS = """
import json
from fixtures import netns

def guard():
    return netns.ip("route", "show", "proto", "242").strip()

steps = {"links at start": [link["ifname"] for link in json.loads(netns.ip("-j", "link", "show"))], "none yet": guard()}
with netns.network_namespace():
    steps["one"] = guard()
    with netns.network_namespace():
        steps["two"] = guard()
    steps["the first, after the second went"] = guard()
steps["none left"] = guard()
print(json.dumps(steps))
"""


@needs_netns
@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare for a network namespace of the test's own")
def test_the_guard_route_is_in_place_while_any_namespace_exists_and_goes_with_the_last():
    done = subprocess.run(["unshare", "-n", sys.executable, "-c", _GUARD_STEPS], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    steps = json.loads(done.stdout)
    assert steps.pop("links at start") == ["lo"], "the child should have had a network namespace of its own"
    guard = f"unreachable {netns.RANGE} metric 4242"  # `show proto 242` leaves out the proto it filtered on
    assert steps == {"none yet": "", "one": guard, "two": guard, "the first, after the second went": guard,
                     "none left": ""}, steps


@needs_netns
def test_a_socket_made_inside_stays_inside_and_the_thread_comes_home():
    home = os.readlink(f"/proc/self/task/{threading.get_native_id()}/ns/net")
    with netns.network_namespace() as ns:
        server = listening_inside(ns)
        try:
            assert os.readlink(f"/proc/self/task/{threading.get_native_id()}/ns/net") == home
            accepted = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
            accepted.start()
            assert connect(ns.address, server.getsockname()[1]) == "connected"
            accepted.join(timeout=10)  # the kernel may connect before accept() runs: close only after it
            with pytest.raises(OSError), socket.socket() as outside:
                outside.bind((ns.address, 0))  # the address exists only inside the namespace
        finally:
            server.close()


@needs_netns
def test_a_link_down_is_a_black_hole_that_sends_nothing_off_the_machine():
    with netns.network_namespace() as ns:
        server = listening_inside(ns)
        port = server.getsockname()[1]
        try:
            ns.link_down()
            assert not ns.is_up()
            assert f"dev {ns.host_link}" in ns.route_from_host(), (
                f"with the link down, packets must still go into the veth, not off the machine: {ns.route_from_host()}")
            assert connect(ns.address, port) == "timeout", "a dark link should drop packets, not refuse them"
            ns.link_up()
            accepted = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
            accepted.start()
            assert connect(ns.address, port, timeout=10) == "connected"
            accepted.join(timeout=10)  # the kernel may connect before accept() runs: close only after it
        finally:
            server.close()


@needs_netns
def test_the_fake_upstream_serves_from_inside_and_reopens_inside_after_refusing(tmp_path):
    with netns.network_namespace() as ns:
        upstream = fake_artifactory(tmp_path / "root", host=ns.address)
        netns.serve_inside(ns, upstream.socket)
        with upstream, http_session() as http:
            url = f"http://{ns.address}:{upstream.port}/artifactory/api/pypi/python-local/simple/"
            assert http.get(url, timeout=5).status_code == 200
            with upstream.misbehave(refuse()):
                assert connect(ns.address, upstream.port).startswith("error 111"), "a closed port refuses"
            assert http.get(url, timeout=5).status_code == 200, "reopened inside the namespace, on the same port"
            with ns.link_cut(), pytest.raises(requests.ConnectTimeout):
                http.get(url, timeout=1.5)
            assert http.get(url, timeout=10).status_code == 200


@needs_netns
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failure_or_ctrl_c_inside_still_tears_down(error):
    with pytest.raises(error), netns.network_namespace() as ns:
        raise error()
    assert not ns.exists()


_CHILD = """
import sys, time
from fixtures import netns
with netns.network_namespace() as ns:
    print(ns.name, ns.host_link, flush=True)
    time.sleep(600)  # until the test signals this process
"""


def child_with_namespace() -> tuple[subprocess.Popen[str], str, str]:
    child = subprocess.Popen([sys.executable, "-c", _CHILD], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    name, link = child.stdout.readline().split()
    return child, name, link


@needs_netns
def test_ctrl_c_of_a_process_holding_a_namespace_removes_it():
    child, name, link = child_with_namespace()
    assert (netns.NETNS_DIR / name).exists()
    child.send_signal(signal.SIGINT)
    child.wait(timeout=30)
    assert not (netns.NETNS_DIR / name).exists() and link not in netns._our_links()


@needs_netns
def test_a_killed_run_leaves_names_the_next_start_recognises_and_removes():
    child, name, link = child_with_namespace()
    child.send_signal(signal.SIGKILL)  # no finalizer, no atexit: what a crash leaves
    child.wait(timeout=30)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (netns.NETNS_DIR / name).exists(), "the killed run should have left its namespace"
    removed = netns.clean_leftovers()
    assert f"netns {name}" in removed, removed
    assert not (netns.NETNS_DIR / name).exists() and link not in netns._our_links()
