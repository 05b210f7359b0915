"""The service as the guide runs it: the deployment's own steps, plist and wrapper, started and stopped
with `launchctl` (on Linux the stand-in, fixtures/launchd/), each scenario with a home of its own.

These scenarios do not use the session's devpi (DevpiFactory runs start.sh under xprocess): what they
check is the start and the stop themselves. Their handle is the suite's DevpiServer, made before the
steps ran and never started through xprocess: the scenario runs the steps and launchctl with it."""

from __future__ import annotations

import dataclasses

from fixtures.deployment import PLIST_NAME
from fixtures.devpi import DevpiServer

LABEL = PLIST_NAME.removesuffix(".plist")
# devpi-server's start-up took 2 s on an idle 2-core machine and 25 s with four suites running beside it.
READY_TIMEOUT = 150.0
STOP_TIMEOUT = 30.0


def started(svc: DevpiServer) -> DevpiServer:
    """The guide's order: devpi-init, the plist and wrapper, bootstrap, then configuration of indexes and clients."""
    svc.step("init")
    svc.step("service")
    svc.step("start")
    svc.wait_ready()
    svc.step("configure")
    svc.step("client_config")
    return svc


def replace(svc: DevpiServer, **changes: object) -> DevpiServer:
    # The same name: the same launchd state, so the new handle sees what the old one's steps did.
    return DevpiServer(svc.xprocess, svc.name, svc.deployment, dataclasses.replace(svc.settings, **changes),
                       start_timeout=svc.start_timeout, quick_start=svc.quick_start)
