"""What the deployment's promises say a user gets after any sequence of events, with no devpi.

The state machine (test_deployment_model.py) drives the real deployment and holds this model beside
it. The model knows what was published where, what was yanked, what pip fetched through the intranet
mirror, whether the intranet is gone and whether devpi has had the time to see the last change. It
answers three questions, and answers "either" where the promises leave devpi a window:

- which files may a client get at all (any sequence): only files some upstream published, with
  that upstream's bytes;
- which version must pip get (online, and a cache expiry passed since the last change): the
  greatest under pip's rules. Before the expiry passed, or with the intranet gone, devpi may serve
  what it saw last (its documented `mirror_cache_expiry` window, O4 and O7): any published version
  or none is accepted then;
- which files must still install with the intranet gone (O1, O3): each file pip once got from the
  intranet mirror, pinned by version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.version import Version

SIDES = ("intranet", "pypi")


@dataclass
class Release:
    side: str  # "intranet" or "pypi"
    version: str
    filename: str
    sha256: str
    yanked: bool = False

    def __str__(self) -> str:
        return f"{self.filename} on {self.side}{' (yanked)' if self.yanked else ''}"


def pip_pick(releases: list[Release], *, pre: bool) -> Version | None:
    """The version pip 26 installs for a bare requirement, or None when it finds none.

    Read in pip's source (`CandidateEvaluator.get_applicable_candidates`, then the resolver's
    `Factory._iter_found_candidates`): the pre-release rule is applied to every candidate, yanked
    ones included (finals if any final exists, unless --pre); then yanked candidates are dropped,
    since the requirement pins nothing (PEP 592). So a yanked final hides a newer pre-release."""
    versions = {Version(r.version) for r in releases}
    applicable = set(SpecifierSet("").filter(versions, prereleases=True if pre else None))
    kept = [Version(r.version) for r in releases if Version(r.version) in applicable and not r.yanked]
    return max(kept) if kept else None


@dataclass
class DeploymentModel:
    project: str
    releases: list[Release] = field(default_factory=list)
    intranet_gone: str | None = None  # the way it is gone (a fake upstream Mode's value), or None
    # A change devpi may not have seen: a publish, a yank, the intranet back. Cleared by a wait longer
    # than the cache expiry with the intranet up.
    unseen_change: bool = False
    fetched: dict[str, Release] = field(default_factory=dict)  # filename -> intranet files pip got once

    # -- events ----------------------------------------------------------------------------
    def published(self, release: Release) -> None:
        self.releases.append(release)
        self.unseen_change = True

    def yanked(self, release: Release) -> None:
        release.yanked = True
        self.unseen_change = True

    def intranet_away(self, mode: str) -> None:
        self.intranet_gone = mode

    def intranet_back(self) -> None:
        self.intranet_gone = None
        self.unseen_change = True

    def expiry_waited(self) -> None:
        if self.intranet_gone is None:
            self.unseen_change = False

    def got_from_intranet(self, release: Release) -> None:
        self.fetched[release.filename] = release

    # -- what the promises say ----------------------------------------------------------------
    def holding(self, filename: str) -> list[Release]:
        return [r for r in self.releases if r.filename == filename]

    @property
    def settled(self) -> bool:
        """Online, and devpi has had a full cache expiry to see the last change."""
        return self.intranet_gone is None and not self.unseen_change

    def must_pick(self, *, pre: bool) -> Version | None:
        """What pip must get now; only meaningful when `settled`."""
        return pip_pick(self.releases, pre=pre)

    def describe(self) -> str:
        lines = [f"project {self.project}:"]
        for side in SIDES:
            held = [str(r) for r in self.releases if r.side == side]
            lines.append(f"  {side}: {', '.join(held) or '(nothing)'}")
        lines.append(f"  intranet: {'gone (' + self.intranet_gone + ')' if self.intranet_gone else 'up'}; "
                     f"{'a change devpi may not have seen yet' if self.unseen_change else 'devpi has had a cache expiry since the last change'}")
        lines.append(f"  fetched from the intranet once: {', '.join(sorted(self.fetched)) or '(nothing)'}")
        return "\n".join(lines)


_LOG_ENTRY = re.compile(r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", re.M)


def log_entries(text: str) -> list[str]:
    """devpi-server's log cut into entries, each starting at a timestamp (a traceback stays with its line)."""
    return [entry for entry in _LOG_ENTRY.split(text) if entry.strip()]


def known_traceback(entry: str) -> str | None:
    """The finding a logged traceback is already reported as, or None for one nobody has reported."""
    outage = "Task exception was never retrieved" in entry or "serving stale" in entry
    if outage and "UpstreamError" in entry:
        return "O1-outage-logs-traceback"
    return None
