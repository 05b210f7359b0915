"""fixtures/hosts.py: a process started through the launcher resolves the test's names, stops
resolving one the moment the test removes it (while it runs), fails locally and fast, keeps its
pid through the launcher, and the machine's own /etc/hosts is never touched."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from fixtures import hosts

pytestmark = pytest.mark.selftest
REASON = hosts.unavailable_reason()
needs_private_names = pytest.mark.skipif(REASON is not None, reason=f"{REASON}")
NAME = "artifactory.example.test"

# Resolves each name read from stdin, as devpi's HTTP client does (getaddrinfo), and says what it got.
_RESOLVER = """
import socket, sys, time
for line in sys.stdin:
    started = time.monotonic()
    try:
        answer = socket.getaddrinfo(line.strip(), 80, socket.AF_INET)[0][4][0]
    except OSError as exc:
        answer = "fails: " + str(exc)
    print(f"{answer} {time.monotonic() - started:.3f}", flush=True)
"""


def test_without_root_the_reason_says_so(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "needs root" in (hosts.unavailable_reason() or "")


@needs_private_names
def test_the_launched_process_resolves_the_tests_names_and_the_machine_is_untouched(tmp_path):
    machine = hosts.MACHINE_HOSTS.read_bytes()
    names = hosts.PrivateNames(tmp_path, {NAME: "127.0.0.1"})

    assert names.resolve(NAME) == "127.0.0.1"
    assert names.resolve("localhost") == "127.0.0.1", "everything else resolves as on the machine"
    assert hosts.MACHINE_HOSTS.read_bytes() == machine, "the machine's /etc/hosts must not change"
    assert "nameserver 127.0.0.1" in names.resolv_conf.read_text()


@needs_private_names
def test_a_running_process_stops_resolving_a_removed_name_at_once_and_locally(tmp_path):
    names = hosts.PrivateNames(tmp_path, {NAME: "127.0.0.1"})
    inode = names.hosts_file.stat().st_ino
    process = subprocess.Popen([*names.launcher, sys.executable, "-c", _RESOLVER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None

    def ask() -> tuple[str, float]:
        process.stdin.write(NAME + "\n")
        process.stdin.flush()
        answer, seconds = process.stdout.readline().rsplit(" ", 1)
        return answer, float(seconds)

    try:
        assert ask()[0] == "127.0.0.1"
        names.remove(NAME)
        answer, seconds = ask()
        assert answer.startswith("fails"), f"a removed name should not resolve any more: {answer}"
        assert seconds < 2, f"a missing name should fail at once (resolv.conf points at 127.0.0.1), took {seconds} s"
        assert names.hosts_file.stat().st_ino == inode, "the file must be rewritten in place: the bind mount pins the inode"
        names.add(NAME, "127.0.0.1")
        assert ask()[0] == "127.0.0.1", "the name should resolve again once added back"
    finally:
        process.stdin.close()
        process.wait(timeout=30)


@needs_private_names
def test_the_launcher_keeps_the_pid_of_the_command(tmp_path):
    """DevpiServer.stop signals the pid it started: through the launcher that must be the wrapper itself."""
    names = hosts.PrivateNames(tmp_path, {})
    process = subprocess.Popen([*names.launcher, "sleep", "60"])
    try:
        deadline = time.monotonic() + 10
        while psutil.Process(process.pid).name() != "sleep":
            assert time.monotonic() < deadline, f"the launcher did not exec: {psutil.Process(process.pid).cmdline()}"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait(timeout=10)
