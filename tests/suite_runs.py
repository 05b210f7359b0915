"""Running the suite itself in a child pytest, and finding what a run left behind."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
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

    def finding_gone(self, finding_id: str, moot: set[str] | frozenset[str] = frozenset(),
                     among: tuple[str, ...] | None = None) -> bool:
        """No scenario of the run met the finding, and one looked for it: every scenario declaring it ran and
        did not meet it, but for those in `moot` (node ids, not applicable under the deployment), which skip.
        `among` (node ids, or a test's id for all its parameters): only these scenarios count, the ones an
        advice concerns (a whole run also meets the finding under conditions the advice does not touch: the
        advice for root/python-local leaves a new project on PyPI as it was)."""
        tests = next((entry["findings"][finding_id]["tests"] for entry in self.report.values()
                      if finding_id in entry.get("findings", {})), None) or {}
        if among is not None:
            tests = {status: kept for status, ids in tests.items()
                     if (kept := [t for t in ids if t in among or t.split("[", 1)[0] in among])}
        if not tests or "reproduced" in tests:
            return False
        return all(test in moot or test.split("[", 1)[0] in moot for test in tests.get("not judged", []))

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


def suite_command(tmp_path: Path, devpi_prefix: Path, deployment: Path, *args: str, profile: str = SELFTEST_PROFILE) -> list[str]:
    """A child pytest of the suite; `profile` "" for hypothesis's default (README's first command)."""
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp"),
            "--deployment", str(deployment), "--devpi-prefixes", str(devpi_prefix.parent),
            "--devpi-server-version", installed_version(devpi_prefix), *(("--hypothesis-profile", profile) if profile else ()),
            "--conformance-report", str(tmp_path / "verdicts.json"), *args]


def loopback_only(*setup: str) -> list[str]:
    """A command prefix: what follows runs in a network namespace of its own with loopback only (and whatever
    `setup`, e.g. an address of the suite's range on lo, adds): nothing it starts can reach beyond this machine."""
    return ["unshare", "--net", "--", "sh", "-c", " && ".join(["ip link set lo up", *setup, 'exec "$@"']), "sh"]


def child_run(where: Path, devpi_prefix: Path, deployment: Path, args: Sequence[str], *, misbehave: str = "",
              home: Path | None = None, wrap: Sequence[str] = (), profile: str = SELFTEST_PROFILE,
              timeout: float = 900) -> SuiteRun:
    """One real pytest run of the suite in `where`, sharing the installed devpi-server; it must leave no process.
    `wrap`: a command prefix the run goes through (`loopback_only()`)."""
    if misbehave:
        args = ["-p", "tests.misbehaving_upstreams", "--misbehave", misbehave, *args]
    report = where / "verdicts.json"
    # Not an xdist worker, whatever runs the self-test: pytest-benchmark would switch itself off in the child.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}, "HOME": str(home or where / "home")}
    command = [*wrap, *suite_command(where, devpi_prefix, deployment, *args, profile=profile)]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    full = json.loads(report.read_text()) if report.exists() else {}
    verdicts = {p: v["verdict"] for p, v in full.items()}
    result = SuiteRun(done.returncode, done.stdout + done.stderr, verdicts, time.monotonic() - started, tuple(command), full)
    left = wait_for_no_processes_mentioning(str(where / "basetemp"))
    assert not left, "the suite left processes behind:\n" + "\n".join(left) + f"\n{result}"
    return result
