"""The upgrade rehearsal's parts: what a server directory holds before and after, compared in the
terms of the version that reads it (devpi's own export and import: fixtures/export.py).

devpi-server 7 renamed the "mirror" index type to "remote" and its "mirror_*" options to "remote_*"
(fixtures/devpi_versions.py, the suite's one table of devpi 7's renames). An upgrade that carries a
setting over under its new name has kept it, so settings are compared by meaning, not by key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from fixtures.clients import ResolvedFile
from fixtures.deployment import BUNDLED, Deployment
from fixtures.devpi_versions import RENAMED_IN, dialect, meaning, meaning_key

INDEXES = ("root/pypi", "root/python-local", "root/local")


def lost_settings(before: dict[str, dict], after: dict[str, dict], asked: dict[str, dict[str, str]]) -> list[str]:
    """The settings the deployment asked for that the upgraded server no longer has as before."""
    lost = []
    for index, keys in asked.items():
        old, new = meaning(before.get(index, {})), meaning(after.get(index, {}))
        for key in keys:
            key = meaning_key(key)
            if old.get(key) != new.get(key):
                lost.append(f"{index}: {key} was {old.get(key)!r}, is {new.get(key)!r}")
    return lost


def deployment_before(deployment: Deployment, version_from: str) -> Deployment:
    """The deployment that set up the service of `version_from`, the one a user upgrades: the one under test,
    unless it is written for devpi 7 (its init step asks for 7's storage, which no 6 has) and the upgrade starts
    from a 6: then the guide's, as its users run it on 6 before they migrate."""
    if dialect(version_from).renamed:
        return deployment
    commands = [line for line in deployment.script_text("init").splitlines() if not line.lstrip().startswith("#")]
    seven = f"--storage {dialect(RENAMED_IN).storage('sqlite')}"
    return Deployment(BUNDLED) if any(seven in line for line in commands) else deployment


def refusal(start_error: str, version: str, serverdir: Path) -> str | None:
    """devpi-server `version`'s own refusal of the old `serverdir`, if that is why its job ended during
    start-up (fixtures.devpi.DevpiStartError's text: how the job ended, then its log): devpi checks the
    directory's database version before anything else and exits 1 with "fatal: Incompatible state: server
    B cannot run serverdir DIR created at database version N" (6.x and 7.x; "created by X.Y.Z" before
    devpi-server 4). Anything else (a time-out, another exit, a signal, another directory) is no refusal."""
    if not re.search(r"^launchd's job \(.*\) exited with status 1 during start-up$", start_error, re.MULTILINE):
        return None
    said = re.search(rf"Incompatible state: server {re.escape(version)} cannot run serverdir {re.escape(str(serverdir))} "
                     r"created (at database version \d+|by \S+)", start_error)
    return said.group(0) if said else None


@dataclass
class Before:
    """What the server directory held under version A."""

    configs: dict[str, dict]
    private: ResolvedFile
    auth_header: str


@dataclass
class UpgradeWay:
    """One way of upgrading and what it kept."""

    way: str  # "in place", "export/import", "export/import with mirrored files"
    started: bool = False
    refused: str = ""  # devpi-server's own refusal of the old server directory (in place only)
    problems: list[str] = field(default_factory=list)
    evidence: str = ""
    commands: list[str] = field(default_factory=list)
    token_kept: bool | None = None

    @property
    def kept_everything(self) -> bool:
        return self.started and not self.problems
