"""The container harness itself (fixtures/containers.py): pip inside sees nothing of the host's
configuration, nothing but the host's loopback is reachable in the Lima model, and what a container
leaves while it runs is seen by the leftover check and gone after `Engine.run`."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures import containers, netns


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[containers.Engine]:
    if containers.missing_engine():
        pytest.skip(f"podman is not installed ({containers.install_reason() or 'the containers suite installs it'})")
    with containers.engine_session(tmp_path_factory.mktemp("podman")) as made:
        reason = made.unusable_reason()
        if reason:
            pytest.skip(reason)
        yield made


def test_pip_inside_is_configured_by_the_guides_two_variables_alone(engine):
    """The host's global pip.conf files, its ~/.config/pip and its PIP_* variables stay outside."""
    run = engine.run(["pip", "config", "debug"], network=containers.lima_network().flags,
                     env=containers.guide_env(3141))
    assert run.ok, run
    values = [line.strip() for line in run.stdout.splitlines() if line.startswith("    ")]
    assert sorted(values) == [], f"pip inside read values from a configuration file: {values}\n{run}"
    assert "PIP_INDEX_URL='http://host.lima.internal:3141/root/local/+simple/'" in run.stdout, run
    assert "PIP_TRUSTED_HOST='host.lima.internal'" in run.stdout, run
    env = engine.run(["env"], network=containers.lima_network().flags, env=containers.guide_env(3141))
    pip_vars = sorted(line.split("=", 1)[0] for line in env.stdout.splitlines() if line.startswith("PIP_"))
    assert pip_vars == ["PIP_INDEX_URL", "PIP_TRUSTED_HOST"], env


def test_a_container_in_the_lima_model_reaches_nothing_but_the_hosts_loopback(engine):
    """outbound_addr=127.0.0.1: a server in a namespace of the suite's, reachable from the host, is not
    reachable from the container; the host's loopback is, at 10.0.2.2."""
    reason = netns.unavailable_reason()
    if reason:
        pytest.skip(reason)
    with netns.network_namespace() as ns, socket.socket() as loopback:
        with ns.entered():  # a socket belongs to the namespace it is made in
            outside = socket.socket()
        outside.bind((ns.address, 0))
        outside.listen()
        loopback.bind(("127.0.0.1", 0))
        loopback.listen()
        threading.Thread(target=lambda: loopback.accept()[0].sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
                         daemon=True).start()
        far = f"http://{ns.address}:{outside.getsockname()[1]}/"
        near = f"http://{containers.LIMA_HOST}:{loopback.getsockname()[1]}/"
        answers, run = containers.probe(engine, containers.lima_network(), [far, near])
        outside.close()  # an open socket inside keeps the namespace alive
    assert answers[near] == "200", run
    assert "Network is unreachable" in answers[far], f"the container reached beyond the host's loopback: {answers}\n{run}"


def test_refuses_a_container_without_an_explicit_network(engine, tmp_path):
    with pytest.raises(containers.EngineError, match="explicit --network"):
        engine.run(["true"], network=())


def test_the_leftover_check_sees_a_running_container_and_nothing_after_run(engine, tmp_path):
    """A container started behind the harness's back shows in every part of the check; one that
    Engine.run started leaves none."""
    name = "devpi-conf-leftover-check"
    env = engine.env
    started = subprocess.Popen(["podman", "run", "--rm", "--name", name, *containers.LIMA_NETWORK_FLAGS, "--dns", "127.0.0.1",
                                "--rootfs", "/:O", "sleep", "60"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while name not in engine.names() and time.monotonic() < deadline:
            time.sleep(0.3)
        seen = containers.traces()
        kinds = sorted(seen)
    finally:
        engine.remove(name)
        started.wait(60)
    assert any(line.startswith(name) for line in seen.get("containers (podman ps -a)", [])), seen
    assert kinds == sorted(["containers (podman ps -a)", "slirp4netns and conmon processes",
                            "podman network namespaces (/run/netns)", "container mounts (/proc/self/mountinfo)"]), seen

    engine.run(["true"], network=containers.lima_network().flags, workdir=tmp_path / "work")
    deadline = time.monotonic() + 30
    while (left := containers.traces()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, left


def test_install_reason_names_what_is_missing(monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert "uid 1000" in containers.install_reason()
    monkeypatch.setattr("os.geteuid", lambda: 0)
    monkeypatch.setattr("shutil.which", lambda tool: None)
    assert "apt-get is unavailable" in containers.install_reason()


def test_the_work_folder_is_read_back(engine, tmp_path: Path):
    run = engine.run(["sh", "-c", "printf abc > saved.txt"], network=containers.lima_network().flags, workdir=tmp_path / "w")
    assert run.saved == {"saved.txt": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}, run
