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
  intranet mirror, pinned by version;
- which version pip must get with the intranet gone, when devpi read the intranet's page after its last
  change (and PyPI's has had an expiry): the greatest under pip's rules of all that was published (devpi
  serves what it saw last, which is all of it), or nothing when that version's file is one pip never got;
- which version uv must get (C4): the greatest under uv's rules, which differ from pip's only where a
  yanked final would hide a pre-release (uv drops yanked releases first);
- under strain (D1-D3): each client of a crowd on a project devpi has never seen gets what one client alone
  gets (`ColdProject`); after a kill of devpi-server, or a stored file deleted or truncated from outside
  devpi, what devpi serves is what the upstreams published, and nothing pip got before is lost. The model
  itself does not change with a kill or with damage the machine repairs (devpi fetches again): what pip must
  get is what it was before.
"""

from __future__ import annotations

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
    new: bool = False  # published after a client first read the project: O4's "new release"

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


def uv_pick(releases: list[Release], *, pre: bool) -> Version | None:
    """The version uv installs for a bare requirement: yanked releases are dropped first, then its default
    `--prerelease if-necessary-or-explicit` takes finals if any is left (`allow` with `pre`). So where every
    final is yanked, uv falls back to a pre-release where pip finds nothing (suites/resolution/test_uv.py)."""
    kept = [Version(r.version) for r in releases if not r.yanked]
    if not pre and any(not v.is_prerelease for v in kept):
        kept = [v for v in kept if not v.is_prerelease]
    return max(kept) if kept else None


@dataclass
class ColdProject:
    """A project published for a crowd (D1): devpi has never seen it, and several clients ask for it at once.
    One client alone gets the greatest version, from the page listing every upstream's files."""

    name: str
    where: str  # "intranet", "pypi" or "both"
    releases: list[Release]

    @property
    def greatest(self) -> Release:
        return max(self.releases, key=lambda r: Version(r.version))

    @property
    def alone_page(self) -> dict[str, str]:
        """filename -> sha256: the links of the page one client alone reads."""
        return {r.filename: r.sha256 for r in self.releases}


@dataclass
class DeploymentModel:
    project: str
    releases: list[Release] = field(default_factory=list)
    intranet_gone: str | None = None  # the way it is gone (refuse, 5xx, hang), or None
    # A change devpi may not have seen: a publish, a yank, the intranet back. Cleared by a wait longer
    # than the cache expiry with the intranet up.
    unseen_change: bool = False
    fetched: dict[str, Release] = field(default_factory=dict)  # filename -> intranet files pip got once
    # A change on PyPI devpi may not have seen (PyPI stays up: an expiry is enough, whatever the intranet does).
    pypi_unseen: bool = False
    # devpi read the intranet's page after its last change: a client asked while `settled`. What devpi serves
    # with the intranet gone is then all that was published.
    intranet_read: bool = False
    read_once: bool = False  # a client asked for the project: a release published from now on is a new one (O4)
    moment: int = 0  # counts the events: two client runs at one moment must agree

    # -- events ----------------------------------------------------------------------------
    def published(self, release: Release) -> None:
        release.new = self.read_once
        self.releases.append(release)
        self._changed(release.side)

    def yanked(self, release: Release) -> None:
        release.yanked = True
        self._changed(release.side)

    def _changed(self, side: str) -> None:
        self.unseen_change = True
        self.moment += 1
        if side == "pypi":
            self.pypi_unseen = True
        else:
            self.intranet_read = False

    def intranet_away(self, way: str) -> None:
        self.intranet_gone = way
        self.moment += 1

    def intranet_back(self) -> None:
        self.intranet_gone = None
        self.unseen_change = True
        self.moment += 1

    def expiry_waited(self) -> None:
        if self.intranet_gone is None:
            self.unseen_change = False
        self.pypi_unseen = False
        self.moment += 1

    def client_asked(self) -> None:
        self.read_once = True
        if self.settled:
            self.intranet_read = True

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

    @property
    def last_view_complete(self) -> bool:
        """The intranet gone, and what devpi saw of it last, and of PyPI, is all that was published."""
        return self.intranet_gone is not None and self.intranet_read and not self.pypi_unseen

    def must_pick_offline(self, *, pre: bool) -> tuple[Version | None, bool]:
        """What pip must get now when `last_view_complete`: the version (None: none qualifies), and whether
        pip must get it at all: only if every file of that version is one devpi can still serve (PyPI's, or
        an intranet file pip got once). A file never fetched is gone with the intranet, and pip fails."""
        expected = pip_pick(self.releases, pre=pre)
        files = [r for r in self.releases if expected is not None and Version(r.version) == expected and not r.yanked]
        return expected, bool(files) and all(r.side == "pypi" or r.filename in self.fetched for r in files)

    def describe(self) -> str:
        lines = [f"project {self.project}:"]
        for side in SIDES:
            held = [str(r) for r in self.releases if r.side == side]
            lines.append(f"  {side}: {', '.join(held) or '(nothing)'}")
        lines.append(f"  intranet: {'gone (' + self.intranet_gone + ')' if self.intranet_gone else 'up'}; "
                     f"{'a change devpi may not have seen yet' if self.unseen_change else 'devpi has had a cache expiry since the last change'}")
        lines.append(f"  fetched from the intranet once: {', '.join(sorted(self.fetched)) or '(nothing)'}")
        return "\n".join(lines)
