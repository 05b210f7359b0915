"""S2: the guide's wrapper (${HOME}/.devpi/devpi-server) turns SIGTERM and SIGINT into a SIGINT for
devpi-server, which stops cleanly, and exits with devpi-server's status; at every moment of its life.

The wrapper is run here as launchd runs a job (its own session, launchd's environment, from the
plist's ProgramArguments) so that a signal lands exactly when the scenario wants it; what launchd
then does with its exit is S3 (test_keepalive.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest

from fake_upstreams.behaviours import refuse
from fixtures import launchd
from fixtures.catalogue import PRIVATE_PROJECT
from fixtures.devpi import DevpiServer, die_with_parent
from fixtures.launchd.plist import DEFAULT_EXIT_TIMEOUT
from suites.service.service_support import LABEL, READY_TIMEOUT, STOP_TIMEOUT, started
from suites.service.wrapper_advice import SAYS



def stop_window(svc: DevpiServer) -> float:
    """launchd's ExitTimeOut for the plist (0: it never SIGKILLs; the default's window then): a stop that ends
    everything within it works as launchd sees it. devpi-server takes a SIGINT only between Python steps, and its
    start-up derives a key in C for seconds (tens of them on a loaded machine), so a stop that lands there waits."""
    return float(svc.plist().get("ExitTimeOut", DEFAULT_EXIT_TIMEOUT)) or DEFAULT_EXIT_TIMEOUT

NEVER_ANSWERED = "devpi-server never answered"
MOMENTS = ("before its signal handlers", "while it starts devpi-server", "1 s after devpi-server was exec'd")
TRIES = 2
EXTRA_TRIES = 3  # for the moment inside Popen, until one try meets it
# The advice of the findings (wrapper_advice.py), applied to a copy by the sound changes of tests/.
WRAPPER_ADVICE = SAYS["S2-stop-lost-while-spawning"]


def launch_wrapper(svc: DevpiServer, *program: str) -> subprocess.Popen:
    """The plist's ProgramArguments (or the wrapper with another `program`), started as launchd starts a job
    (with what `launchctl setenv` set for the service's jobs)."""
    args = svc.plist()["ProgramArguments"]
    if program:
        args = [args[0], *program]
    env = launchd.job_env(str(svc.settings.home), LABEL, set_by_launchctl=launchd.environment(svc.launchd_state))
    with (svc.settings.home / "wrapper.log").open("ab") as log:
        return subprocess.Popen([*die_with_parent(), *args], env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def status_text(code: int | None) -> str:
    if code is None:
        return "still running at launchd's ExitTimeOut"
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"


@pytest.mark.promise("S2")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_wrapper_forwards_a_stop_as_sigint_and_exits_with_the_programs_status(service, signum):
    # A program of our own behind the guide's wrapper tells SIGINT from SIGTERM by its exit status.
    service.step("service")
    ready = service.settings.home / "ready"
    wrapper = launch_wrapper(service, "/bin/sh", "-c",
                             f"trap 'exit 7' INT; trap 'exit 9' TERM; touch {ready}; while :; do sleep 0.05; done")
    service.wait_until(ready.exists, "the wrapped program's start", timeout=60)
    time.sleep(0.3)  # the wrapper's `process` is set once Popen has returned
    wrapper.send_signal(signum)
    try:
        status = wrapper.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        status = None
    assert status == 7, (f"[S2] the wrapper given {signum.name} should send its program SIGINT (which exits 7 here, 9 on "
                         f"SIGTERM) and exit with that status; it ended with {status_text(status)}")


@pytest.mark.promise("S2")
def test_sigterm_and_sigint_stop_devpi_server_cleanly_and_the_next_start_serves_the_cache(service, fake_artifactory, figure):
    started(service)
    online = service.pip.download(PRIVATE_PROJECT)
    assert online.ok, f"[S2] precondition: {PRIVATE_PROJECT} through the service\n{online}"

    service.check_step("stop", "S2")  # launchctl bootout: SIGTERM to the wrapper
    by_sigterm = service.events("exited")[-1]
    assert not service.devpi_processes() and service.port_free(), f"[S2] after a stop by SIGTERM:\n{service.describe()}"

    wrapper = launch_wrapper(service)
    service.wait_ready()
    with fake_artifactory.misbehave(refuse()):
        cached = service.pip.download(PRIVATE_PROJECT)
    assert cached.ok and cached.file(PRIVATE_PROJECT).sha256 == online.file(PRIVATE_PROJECT).sha256, (
        f"[S2] after a stop by SIGTERM, the next start did not serve the cached {PRIVATE_PROJECT}\n{cached}")
    wrapper.send_signal(signal.SIGINT)
    try:
        by_sigint = wrapper.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        by_sigint = None
    assert by_sigint is not None, f"[S2] the wrapper did not stop within {STOP_TIMEOUT:.0f} s of SIGINT\n{service.describe()}"
    assert not service.devpi_processes() and service.port_free(), f"[S2] after a stop by SIGINT:\n{service.describe()}"

    figure("s2_wrapper_status_after_sigterm", by_sigterm.get("code", by_sigterm.get("signal")),
           f"after launchctl bootout (SIGTERM) the wrapper exited with {status_text(by_sigterm.get('code', -by_sigterm.get('signal', 0)))}; after SIGINT with {status_text(by_sigint)} "
           "(devpi-server's own status on SIGINT, passed through)")
    assert by_sigterm.get("code") == by_sigint, (
        f"[S2] SIGTERM and SIGINT should both end in devpi-server's status on SIGINT: {by_sigterm} vs {status_text(by_sigint)}")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]  # noqa: SIM115
    except OSError:
        return []


def execd(pid: int) -> bool:
    """Has the wrapper's child exec'd devpi-server (its command line is no longer the wrapper's)?"""
    try:
        mine = open(f"/proc/{pid}/cmdline", "rb").read()  # noqa: SIM115
        return any(open(f"/proc/{child}/cmdline", "rb").read() != mine for child in children(pid))  # noqa: SIM115
    except OSError:
        return False


def stop_at(svc: DevpiServer, moment: str) -> dict:
    """Start the wrapper, send it SIGTERM (launchd's stop) at `moment`, and see what is left. Where the stop is
    lost, devpi-server's state when the signal landed and a second SIGTERM once devpi-server answers tell a
    stop lost to that moment (the findings) from a wrapper that does not forward stops at all."""
    wrapper = launch_wrapper(svc)
    in_window = None
    if moment == MOMENTS[1]:
        while not children(wrapper.pid) and wrapper.poll() is None:
            pass  # no sleep: the window is the few milliseconds Popen takes
        # Frozen the moment its child exists: a child that has not exec'd yet means the wrapper is inside Popen
        # (which returns only once the child has exec'd), so the stop sent now is handled there, whatever the
        # machine's load. A child already exec'd leaves it unknown whether Popen had returned (a try that missed).
        with contextlib.suppress(ProcessLookupError):
            os.kill(wrapper.pid, signal.SIGSTOP)
        in_window = wrapper.poll() is None and bool(children(wrapper.pid)) and not execd(wrapper.pid)
    elif moment == MOMENTS[2]:
        # After Popen returned: the child has replaced the wrapper's copy of itself with devpi-server (exec),
        # and a second more lets the wrapper's Popen return and set `process`, however loaded the machine.
        while not execd(wrapper.pid) and wrapper.poll() is None:
            time.sleep(0.005)
        time.sleep(1)
    wrapper.send_signal(signal.SIGTERM)
    if in_window is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(wrapper.pid, signal.SIGCONT)
    # Read right after the signal: a devpi-server that answers already was no longer starting.
    answering = svc.api.is_ready()
    try:
        status = wrapper.wait(stop_window(svc))
    except subprocess.TimeoutExpired:
        status = None
    outcome = {"moment": moment, "wrapper": status_text(status), "answering": answering, "second stop": None,
               "in window": in_window}
    if status is None:
        outcome["second stop"] = second_stop(svc, wrapper)
        if wrapper.poll() is None:
            wrapper.kill()  # what launchd does after ExitTimeOut
            wrapper.wait()
            time.sleep(1)
            outcome["wrapper"] += ", then SIGKILL (launchd after ExitTimeOut)"
    server = svc.devpi_server()
    outcome["devpi-server left"] = server.pid if server else None
    # The first stop took effect after the window, by itself (devpi-server ended while still starting): launchd's
    # SIGKILL would have ended only the wrapper, and devpi-server would have gone the same way. Late, not lost.
    outcome["late"] = status is None and server is None and outcome["second stop"].startswith(NEVER_ANSWERED)
    outcome["lost"] = (status is None and not outcome["late"]) or server is not None
    svc.kill_leftovers()
    return outcome


def second_stop(svc: DevpiServer, wrapper: subprocess.Popen) -> str:
    """Once devpi-server answers, SIGTERM to the wrapper again: "stopped" if the wrapper forwarded it and
    everything ended (the first stop was lost to its moment), else what happened."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not svc.api.is_ready():
        if wrapper.poll() is not None or svc.devpi_server() is None or time.monotonic() > deadline:
            return f"{NEVER_ANSWERED} (wrapper {status_text(wrapper.poll())})"
        time.sleep(0.2)
    wrapper.send_signal(signal.SIGTERM)
    try:
        status = wrapper.wait(stop_window(svc))
    except subprocess.TimeoutExpired:
        return f"a second SIGTERM once devpi-server answered was lost too: the wrapper {status_text(None)}"
    if svc.devpi_server() is not None:
        return f"after a second SIGTERM the wrapper ended ({status_text(status)}) and devpi-server ran on"
    return "stopped"


def as_the_finding(outcome: dict) -> bool:
    """A lost stop as the findings report it: the wrapper waits on (SIGTERM did not end it), devpi-server was
    still starting when the signal landed, and the wrapper forwards a stop once devpi-server answers."""
    return outcome["wrapper"].startswith(status_text(None)) and not outcome["answering"] and outcome["second stop"] == "stopped"


@pytest.mark.promise("S2")
@pytest.mark.devpi_start_as_deployed  # a stop while devpi-server derives its key is one of the moments
@pytest.mark.runs_long
@pytest.mark.finding("S2-stop-lost-while-spawning", "S2-stop-lost-during-devpi-start")
def test_a_stop_at_any_moment_of_the_wrappers_start_stops_everything(service, figure, finding, record_property):
    service.step("init")
    service.step("service")
    outcomes = []
    for moment in MOMENTS:
        tries = 0
        # The moment inside Popen must be met at least once (a try sent inside it, or a stop lost there), or the
        # tries say nothing of it: a few more if missed, so that the finding does not come and go with the race.
        while tries < TRIES or (moment == MOMENTS[1] and tries < TRIES + EXTRA_TRIES
                                and not any(o["in window"] or o["lost"] for o in outcomes if o["moment"] == moment)):
            tries += 1
            outcomes.append(stop_at(service, moment))
            if outcomes[-1]["lost"] and not as_the_finding(outcomes[-1]):
                break  # S2 is broken whatever the other tries give; each lost one costs up to a minute
        if outcomes[-1]["lost"] and not as_the_finding(outcomes[-1]):
            break

    table = "\n".join(f"  stop {o['moment']}: wrapper {o['wrapper']}; devpi-server answering at the signal: {o['answering']}; "
                      f"second stop: {o['second stop'] or '-'}; devpi-server left running: {o['devpi-server left']}"
                      for o in outcomes)
    for moment in MOMENTS:
        tried = [o for o in outcomes if o["moment"] == moment]
        lost, late = sum(o["lost"] for o in tried), sum(o["late"] for o in tried)
        hit = sum(bool(o["in window"]) for o in tried)
        figure(f"s2_lost_{MOMENTS.index(moment)}", f"{lost}/{len(tried)}",
               f"a SIGTERM {moment}: lost in {lost} of {len(tried)} tries"
               + (f" ({hit} of them sent with the wrapper frozen inside Popen, its child not yet exec'd)"
                  if moment == MOMENTS[1] else "")
               + (f", taken only after launchd's ExitTimeOut (devpi-server still starting) in {late}" if late else ""))
    assert not any(o["lost"] for o in outcomes if o["moment"] == MOMENTS[0]), (
        f"[S2] a stop was lost before the wrapper had installed its signal handlers:\n{table}")
    other = [o for o in outcomes if o["lost"] and not as_the_finding(o)]
    assert not other, (
        f"[S2] a stop was lost, and not as devpi's start-up loses it (the wrapper still waiting, devpi-server still starting "
        f"when the signal landed, and a stop once devpi-server answers forwarded): the wrapper does not stop "
        f"devpi-server\n{table}")
    during_start = any(o["lost"] for o in outcomes if o["moment"] == MOMENTS[2])
    while_spawning = any(o["lost"] for o in outcomes if o["moment"] == MOMENTS[1])
    during_start_text = (
        "a SIGTERM that reaches the wrapper after devpi-server was started, while devpi-server is still starting up, is "
        "forwarded as SIGINT, and devpi-server does not stop: the wrapper waits, launchd SIGKILLs it after ExitTimeOut, "
        "and devpi-server keeps running in its own session. " + SAYS["S2-stop-lost-during-devpi-start"])
    if during_start and while_spawning:
        record_property("finding", "S2-stop-lost-during-devpi-start")  # met too; the xfail below names both
    elif during_start:
        # The wrapper forwarded SIGINT; devpi-server, still starting, did not stop (measured under load).
        finding("S2-stop-lost-during-devpi-start", f"{during_start_text}\n{table}")
    if while_spawning:
        finding("S2-stop-lost-while-spawning",
                "a SIGTERM that reaches the wrapper while it is starting devpi-server (its handler runs with `process` "
                "still None) is dropped: the wrapper waits on a devpi-server nobody stops; launchd SIGKILLs the wrapper "
                f"after ExitTimeOut (20 s) and devpi-server, in a session of its own, keeps running with the port.\n{table}\n"
                + WRAPPER_ADVICE + (f"\nAlso: {during_start_text}" if during_start else ""))
