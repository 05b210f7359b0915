"""Running the suite itself in a child pytest, and finding what a run left behind."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


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

    def __str__(self) -> str:
        return f"exit status {self.returncode}\n{self.output[-6000:]}"


def suite_command(tmp_path: Path, devpi_prefix: Path, deployment: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp"),
            "--deployment", str(deployment), "--devpi-prefixes", str(devpi_prefix.parent),
            "--conformance-report", str(tmp_path / "verdicts.json"), *args]
