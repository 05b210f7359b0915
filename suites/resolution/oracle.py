"""What pip must pick, computed with `packaging` alone, and the check the R3/C4 tests share.

pip's rule for a bare requirement, read in pip 26.3's source
(`CandidateEvaluator.get_applicable_candidates` filters with
`SpecifierSet.filter(prereleases=None | True)`) and in its user guide ("pip installs stable
versions of packages, unless their specifier includes a pre-release version or if there are no
stable versions available that satisfy the requirement"):
- with `--pre`, every version is a candidate;
- without it, only final releases (post-releases and local versions are final; `a`/`b`/`rc`
  and `.devN` are not), except that when no final release exists at all the pre-releases are
  candidates too;
- the greatest candidate by PEP 440 wins (epochs first, 1.10 > 1.9, 1.0+local > 1.0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from packaging.version import Version

from fake_upstreams import FakeUpstream
from fixtures.clients import Resolution
from fixtures.indexes import IndexClone
from fixtures.packages import Dist, PackageFactory

# Where a drawn version is published: on the fake PyPI, on the fake Artifactory, or on both.
SIDES = ("pypi", "intranet", "both")
BASE_OF = {"pypi": "root/pypi", "intranet": "root/python-local"}


def pip_choice(versions: Iterable[str], *, pre: bool) -> Version:
    """The version pip must resolve for a bare requirement, under the rule above."""
    parsed = [Version(v) for v in versions]
    finals = [v for v in parsed if not v.is_prerelease]
    return max(parsed if pre or not finals else finals)


# Optional parts are drawn from lists that start with None: a failure shrinks towards plain releases.
_pre = st.sampled_from([None, None, "a", "b", "rc"])
_number = st.integers(0, 2)
_optional = st.sampled_from([None, None, None, 0, 1])


@st.composite
def pep440(draw: st.DrawFn) -> str:
    """A canonical PEP 440 version: epochs, 1.9 vs 1.10, pre/post/dev releases, local versions."""
    epoch = draw(st.integers(0, 11).map(lambda e: 1 if e == 11 else 0))  # rare: an epoch beats everything
    text = f"{epoch}!" if epoch else ""
    text += ".".join(str(part) for part in draw(st.lists(st.integers(0, 11), min_size=1, max_size=3)))
    if (pre := draw(_pre)) is not None:
        text += f"{pre}{draw(_number)}"
    if (post := draw(_optional)) is not None:
        text += f".post{post}"
    if (dev := draw(_optional)) is not None:
        text += f".dev{dev}"
    if (local := draw(st.sampled_from([None, None, None, "1", "local.7"]))) is not None:
        text += f"+{local}"
    return str(Version(text))


@dataclass(frozen=True)
class Published:
    """One project's files on each upstream."""

    name: str
    files: dict[str, list[Dist]]  # "pypi" / "intranet" -> wheels there

    def versions(self, side: str | None = None) -> list[str]:
        sides = [side] if side else list(self.files)
        return [d.version for s in sides for d in self.files[s]]

    def sides_holding(self, version: Version) -> set[str]:
        return {side for side, dists in self.files.items() if any(Version(d.version) == version for d in dists)}

    def describe(self) -> str:
        pypi, intranet = (sorted(self.versions(side), key=Version) for side in ("pypi", "intranet"))
        return f"PyPI has {pypi}, the intranet has {intranet}"


def publish(name: str, placed: Iterable[tuple[str, str]], packages: PackageFactory,
            pypi: FakeUpstream, intranet: FakeUpstream) -> Published:
    """Build a wheel of `name` per (version, side) and publish it there ("both": the same file on each)."""
    files: dict[str, list[Dist]] = {"pypi": [], "intranet": []}
    for version, side in placed:
        wheel = packages.wheel(name, version)
        for target in ("pypi", "intranet"):
            if side in (target, "both"):
                files[target].append(wheel)
    pypi.publish(*files["pypi"])
    intranet.publish(*files["intranet"])
    return Published(name, files)


def assert_greatest(result: Resolution, published: Published, local: IndexClone, upstreams: dict[str, FakeUpstream],
                    *, pre: bool, promise: str) -> None:
    """pip's (or uv's) answer is the oracle's version, from an index of an upstream that holds it, same bytes."""
    __tracebackhide__ = True
    expected = pip_choice(published.versions(), pre=pre)
    rule = "with pre-releases" if pre else "under pip's default rule (finals unless there are none)"
    # One assertion for "no version" and "another version": one failure origin for hypothesis to shrink.
    got_version = next((f.version for f in result.files if f.name == canonicalize_name(published.name)), None)
    assert result.ok and got_version is not None and Version(got_version) == expected, (
        f"[{promise}] {result.client} through root/local got {got_version or 'nothing'}, but the greatest version "
        f"{rule} is {expected}: {published.describe()}\n{result}"
    )
    got = result.file(published.name)
    holders = published.sides_holding(expected)
    indexes = {local.bases[BASE_OF[side]]: side for side in holders if BASE_OF[side] in local.bases}
    assert got.served_by in indexes, (
        f"[{promise}] {got.version} came from {got.served_by}, not from the clone of an index whose upstream "
        f"holds it ({', '.join(sorted(holders))}): {published.describe()}\n{result}"
    )
    upstream = upstreams[indexes[got.served_by]]
    assert got.sha256 == upstream.sha256(unquote(got.filename)), (
        f"[{promise}] the file from {got.served_by} differs from {upstream.name}'s {got.filename}\n{result}"
    )
