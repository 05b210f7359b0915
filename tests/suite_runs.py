"""Running the suite itself in a child pytest, and finding what a run left behind."""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SELFTEST_PROFILE = "selftest"  # fixtures/hypothesis_profiles.py: few examples, still shrinks


def processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if text in cmdline and proc.pid != os.getpid():
            found.append(f"{proc.pid}: {cmdline}")
    return found


def wait_for_no_processes_mentioning(text: str, timeout: float = 15) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := processes_mentioning(text)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@dataclass
class SuiteRun:
    returncode: int
    output: str
    verdicts: dict[str, str]
    seconds: float = 0.0
    command: tuple[str, ...] = ()
    report: dict = field(default_factory=dict)  # the whole conformance report: figures, findings, steps

    def finding_status(self, finding_id: str) -> str:
        for entry in self.report.values():
            if finding_id in entry.get("findings", {}):
                return entry["findings"][finding_id]["status"]
        return "not in the run"

    def __str__(self) -> str:
        return f"exit status {self.returncode} after {self.seconds:.0f} s\n{self.output[-6000:]}"

    def broken(self) -> set[str]:
        return {promise for promise, verdict in self.verdicts.items() if verdict == "BROKEN"}

    def failure_messages(self, promise: str) -> list[str]:
        """The first line of each assertion that failed on `promise` (its message starts with "[PROMISE]")."""
        return re.findall(rf"AssertionError: (\[{re.escape(promise)}\][^\n]*)", self.output)


def installed_version(devpi_prefix: Path) -> str:
    """The devpi-server version of an installed prefix, from its folder's name (`<version>-<install script hash>`,
    fixtures/deployment.py install_key): child runs then skip asking the registry for the newest release."""
    return devpi_prefix.name.rsplit("-", 1)[0]


def suite_command(tmp_path: Path, devpi_prefix: Path, deployment: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp"),
            "--deployment", str(deployment), "--devpi-prefixes", str(devpi_prefix.parent),
            "--devpi-server-version", installed_version(devpi_prefix), "--hypothesis-profile", SELFTEST_PROFILE,
            "--conformance-report", str(tmp_path / "verdicts.json"), *args]
