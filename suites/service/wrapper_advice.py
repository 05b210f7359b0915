"""What the service scenarios advise for the guide's wrapper, as changes to the deployment's service.sh.

Each is (script, old text, new text), the form `Deployment.copy_with` applies; a sound change of the self-tests
(tests/deployment_changes.py) applies them to a copy and runs the scenarios that give them, which must then
not reproduce the findings. They build on each other in this order (a stop the wrapper noted is what the
others act on): `WRAPPER_ADVICE` is all of them. `SAYS` is each one as a finding's message words it.

Blocking SIGINT and SIGTERM around the Popen call is not advised: the child inherits the blocked signal
mask across exec (CPython's Popen even starts it with every signal blocked then), so devpi-server never
sees the SIGINT the wrapper forwards.
"""

from __future__ import annotations

Change = tuple[str, str, str]

STOP_GRACE = 5  # s: a forwarded stop that has not ended devpi-server by then ends it by SIGKILL (under S2's 10 s)

_HANDLER = "    def handler(signum, frame):\n"
_WAIT = "    process.wait()\n"

# S2-stop-lost-while-spawning: a stop that lands while Popen runs (`process` still None) is noted, and sent
# as soon as Popen returns.
NOTE_AN_EARLY_STOP: Change = (
    "service.sh", _HANDLER + "        if process is not None:\n",
    "    stop_requested = 0.0\n\n" + _HANDLER + "        nonlocal stop_requested\n"
    "        stop_requested = stop_requested or time.monotonic()\n        if process is not None:\n")
SEND_AN_EARLY_STOP: Change = ("service.sh", _WAIT, "    if stop_requested:\n        process.send_signal(signal.SIGINT)\n" + _WAIT)
# S2-stop-lost-during-devpi-start: devpi-server still starting up ignores the SIGINT; the wrapper ends it.
BOUNDED_STOP: Change = (
    "service.sh", _WAIT,
    "    while process.poll() is None:\n"
    f"        if stop_requested and time.monotonic() - stop_requested > {STOP_GRACE}:\n"
    "            process.kill()\n"
    "        time.sleep(0.1)\n")
# S3-signal-stop-restarts: a stop the wrapper forwarded ends in success, so KeepAlive SuccessfulExit=false does
# not start the service again.
CLEAN_STOP_SUCCEEDS: Change = (
    "service.sh", "    sys.exit(process.returncode)\n",
    "    stopped = (1, -signal.SIGINT, -signal.SIGKILL)\n"
    "    sys.exit(0 if stop_requested and process.returncode in stopped else process.returncode)\n")
# S2-wrapper-death-orphans-devpi: devpi-server stays in the job's process group, which launchd cleans up.
SAME_PROCESS_GROUP: Change = ("service.sh", "subprocess.Popen(sys.argv[1:], start_new_session=True)",
                              "subprocess.Popen(sys.argv[1:])")
IMPORT_TIME: Change = ("service.sh", "import sys\n", "import sys\nimport time\n")

WRAPPER_ADVICE: tuple[Change, ...] = (IMPORT_TIME, NOTE_AN_EARLY_STOP, SEND_AN_EARLY_STOP, BOUNDED_STOP, CLEAN_STOP_SUCCEEDS,
                                      SAME_PROCESS_GROUP)

SAYS = {
    "S2-stop-lost-while-spawning": (
        "what to change in the wrapper: note a stop that comes while `process` is still None (`stop_requested = "
        "time.monotonic()` in the handler) and send SIGINT as soon as Popen returns. (Blocking the signals around Popen "
        "does not work: devpi-server inherits the blocked mask and never sees the SIGINT.)"),
    "S2-stop-lost-during-devpi-start": (
        f"what to change in the wrapper: after forwarding a stop, wait at most {STOP_GRACE} s (poll the process) and then "
        "SIGKILL devpi-server"),
    "S2-wrapper-death-orphans-devpi": (
        "what to change in the wrapper: drop start_new_session=True (devpi-server then stays in the job's process group, "
        "which launchd cleans up when the wrapper dies)"),
    "S3-signal-stop-restarts": (
        "what to change in the wrapper: when it forwarded a stop, exit 0 (`sys.exit(0 if stop_requested and "
        "process.returncode in (1, -signal.SIGINT, -signal.SIGKILL) else process.returncode)`)"),
}
