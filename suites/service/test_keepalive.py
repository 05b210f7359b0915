"""S3 through launchd (on Linux the stand-in): the plist's KeepAlive (SuccessfulExit false) with the exit
statuses the guide's wrapper gives (S2). Is a clean bootout final, is a crash restarted, does a stop ever
turn into a restart loop? What a user would see is stated as figures and findings."""

from __future__ import annotations

import signal
import time

import pytest

from fixtures.devpi import DevpiServer
from fixtures.launchd import DOMAIN
from suites.service.service_support import LABEL, STOP_TIMEOUT
from suites.service.wrapper_advice import SAYS


def start(svc: DevpiServer) -> None:
    svc.step("init")
    svc.step("service")
    svc.step("start")
    svc.wait_ready()


def exit_text(event: dict) -> str:
    return f"killed by {signal.Signals(event['signal']).name}" if "signal" in event else f"exit status {event['code']}"


def assert_gone_after_bootout(svc: DevpiServer, promise: str) -> None:
    __tracebackhide__ = True
    assert svc.launchctl("bootout", DOMAIN + LABEL).returncode == 0, f"[{promise}] bootout failed\n{svc.describe()}"
    spawns = len(svc.events("spawned"))
    time.sleep(2)
    assert svc.info() == {}, f"[{promise}] the service is still loaded after bootout\n{svc.describe()}"
    assert len(svc.events("spawned")) == spawns, f"[{promise}] a booted-out service was started again\n{svc.describe()}"
    assert not svc.devpi_processes() and svc.port_free(), f"[{promise}] bootout left the service running\n{svc.describe()}"


@pytest.mark.promise("S2", "S3")
def test_a_crash_of_devpi_server_is_restarted_and_a_bootout_is_final(service, figure):
    start(service)
    crashed = service.devpi_server()
    assert crashed is not None, f"[S2] no devpi-server under the wrapper\n{service.describe()}"
    crashed.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    service.wait_until(lambda: service.events("exited"), "the wrapper's exit after devpi-server died", timeout=STOP_TIMEOUT)
    wrapper_exit = service.events("exited")[0]
    assert wrapper_exit.get("code", 0) != 0, (
        f"[S2] after devpi-server was killed the wrapper should exit non-zero (KeepAlive restarts only then): "
        f"{exit_text(wrapper_exit)}\n{service.describe()}")

    service.wait_ready()
    back = time.monotonic() - killed_at
    figure("s3_crash_back_seconds", round(back, 1),
           f"devpi-server killed (SIGKILL): the wrapper exited with {exit_text(wrapper_exit)}, launchd started it again, and "
           f"the service answered {back:.1f} s after the crash (ThrottleInterval 10 s counts from the previous start)")
    servers = [p for p in service.devpi_processes() if p.pid != crashed.pid]
    assert len(servers) == 2 and not crashed.is_running(), f"[S3] after the restart: one wrapper, one devpi-server\n{service.describe()}"
    assert_gone_after_bootout(service, "S3")
    figure("s3_bootout_exit", exit_text(service.events("exited")[-1]),
           f"launchctl bootout: the wrapper exited with {exit_text(service.events('exited')[-1])}; the job is unloaded, "
           "so KeepAlive does not start it again")


@pytest.mark.promise("S3")
@pytest.mark.finding("S3-signal-stop-restarts")
def test_a_stop_by_signal_that_is_not_a_bootout(service, figure, finding):
    start(service)
    service.wrapper().send_signal(signal.SIGTERM)  # `kill`, Activity Monitor's Quit, a logout's SIGTERM to the agent
    service.wait_until(lambda: service.events("exited"), "the wrapper's exit after SIGTERM", timeout=STOP_TIMEOUT)
    stopped = service.events("exited")[0]
    deadline = time.monotonic() + 15  # ThrottleInterval 10 s, counted from a start long enough ago to be due at once
    while len(service.events("spawned")) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    restarted = len(service.events("spawned")) >= 2
    if restarted:
        service.wait_ready()
    assert_gone_after_bootout(service, "S3")
    figure("s3_signal_stop", "restarted" if restarted else "stays stopped",
           f"SIGTERM to the running wrapper (not a bootout): it exited with {exit_text(stopped)}, and launchd "
           + ("started the service again" if restarted else "left it stopped"))
    if restarted:
        # The finding is the guide's wrapper passing on devpi-server's status on SIGINT (1) under the guide's
        # KeepAlive; a restart after any other end (another status, a signal, another KeepAlive) is not it.
        keep_alive = service.plist().get("KeepAlive")
        assert stopped.get("code") == 1 and keep_alive == {"SuccessfulExit": False}, (
            f"[S3] SIGTERM to the running wrapper: it exited with {exit_text(stopped)} under KeepAlive {keep_alive!r}, and "
            "launchd started the service again; a clean stop should end in devpi-server's status on SIGINT (exit status 1), "
            f"which only KeepAlive SuccessfulExit=false turns into a restart\n{service.describe()}")
        finding("S3-signal-stop-restarts",
                f"the wrapper stopped cleanly by SIGTERM exits with {exit_text(stopped)} (devpi-server's status on SIGINT), "
                "which KeepAlive SuccessfulExit=false reads as a failure: launchd starts the service again, so only "
                "`launchctl bootout` stops it for good. " + SAYS["S3-signal-stop-restarts"])


@pytest.mark.promise("S2", "S3")
@pytest.mark.finding("S2-wrapper-death-orphans-devpi")
def test_when_the_wrapper_dies_devpi_server_is_not_left_behind(service, figure, finding):
    start(service)
    server = service.devpi_server()
    service.wrapper().send_signal(signal.SIGKILL)  # as launchd does after ExitTimeOut, or an OOM kill
    service.wait_until(lambda: service.events("exited"), "launchd's view of the wrapper's death", timeout=STOP_TIMEOUT)
    time.sleep(2)  # launchd's SIGTERM to the job's process group has landed
    if not server.is_running():
        service.wait_ready()
        return
    serving = service.api.is_ready()
    # KeepAlive starts the wrapper again; its devpi-server finds the port taken.
    service.wait_until(lambda: len(service.events("exited")) >= 2, "the restarted wrapper's end")
    second = service.events("exited")[1]
    port_taken = "address already in use" in service.log_tail().lower()
    state = service.info().get("state")
    figure("s2_orphan", server.pid, f"wrapper killed: devpi-server {server.pid} kept running (serving: {serving}); the "
           f"restarted wrapper exited with {exit_text(second)} (port taken: {port_taken}), launchd state '{state}'")
    finding("S2-wrapper-death-orphans-devpi",
            f"after the wrapper was killed, devpi-server {server.pid} ran on in its own session (start_new_session=True), "
            f"out of reach of launchd's SIGTERM to the job's process group, still serving the port: {serving}. "
            f"KeepAlive started the wrapper again; its devpi-server "
            + ("could not bind the taken port" if port_taken else "ended") + f" and the wrapper exited with {exit_text(second)}: "
            f"launchd's state is '{state}', a restart every ThrottleInterval (10 s) for as long as the orphan lives, and "
            "a bootout no longer stops the process that serves. " + SAYS["S2-wrapper-death-orphans-devpi"])
