"""R3, proven by property: whatever versions the two upstreams hold, pip through root/local gets
the greatest one under pip's rules, from the index whose upstream holds it.

Each example draws a fresh project and places PEP 440 versions on the fake PyPI, on the fake
Artifactory or on both, then resolves through a fresh clone of root/local (devpi caches each
upstream's project list, so a clone made after publishing is the only way a new name is seen
at once) with pip, with or without `--pre` (drawn). A failure shrinks to a minimal placement,
printed by hypothesis as "Failing test case" ("Falsifying example" before 6.1xx); the default profile is derandomized, so running
the test again reproduces it (see fixtures/hypothesis_profiles.py). There are no @example cases: a
failing explicit example is reported without shrinking; the fixed cases (1.9 vs 1.10, epochs,
local versions, only pre-releases...) are test_uv.py's sample, where pip is held to the same oracle.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from fixtures.indexes import clone_root_local
from suites.resolution.oracle import SIDES, Published, assert_greatest, pep440, pip_choice, publish

_projects = itertools.count(1)  # not the project_name fixture: it does not reset between examples


def property_settings() -> settings:
    """The loaded --hypothesis-profile, or 'resolution-default' (fixtures/hypothesis_profiles.py) when none was chosen."""
    name = settings.get_current_profile_name()
    chosen = settings.get_profile("resolution-default" if name == "default" else name)
    return settings(chosen, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def respelt(version: str) -> str:
    """The same version with one more zero in its release (1.0rc1 -> 1.0.0rc1): equal, not identical."""
    parsed = Version(version)
    epoch = f"{parsed.epoch}!" if parsed.epoch else ""
    release = ".".join(str(part) for part in parsed.release)
    rest = version[len(epoch) + len(release):]  # canonical text: epoch, release, then the rest
    return f"{epoch}{release}.0{rest}"


@st.composite
def placements(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(version, where) pairs, unique by spelling; sometimes an equal version spelt apart on the other side."""
    placed = draw(st.lists(st.tuples(pep440(), st.sampled_from(SIDES)), min_size=1, max_size=6, unique_by=lambda p: p[0]))
    if draw(st.sampled_from([False, False, True])):
        version, side = draw(st.sampled_from(placed))
        twin = respelt(version)
        if twin not in {v for v, _ in placed}:
            placed.append((twin, "intranet" if side == "pypi" else "pypi"))
    return placed


def label(published: Published, *, pre: bool) -> None:
    """What kind of example this is, for `--hypothesis-show-statistics` (coverage of the cases that matter)."""
    versions = published.versions()
    winner = pip_choice(versions, pre=pre)
    event(f"winner on {' and '.join(sorted(published.sides_holding(winner)))}")
    if sorted(versions, key=Version) != sorted(versions):
        event("string order differs from version order (1.9 vs 1.10)")
    if set(published.versions("pypi")) & set(published.versions("intranet")):
        event("a version on both sides")
    if len({Version(v) for v in versions}) < len(set(versions)):
        event("equal versions spelt apart (1.0 and 1.0.0)")
    if any(Version(v).epoch for v in versions):
        event("an epoch")
    if any(Version(v).local for v in versions):
        event("a local version")
    if not pre and all(Version(v).is_prerelease for v in versions):
        event("only pre-releases, no --pre")
    if winner != max(Version(v) for v in versions):
        event("a greater pre-release is passed over")



@pytest.mark.promise("R3")
@pytest.mark.runs_long
@property_settings()
@given(placed=placements(), pre=st.booleans())
def test_pip_gets_the_greatest_version_across_both_upstreams(
    placed, pre, devpi, devpi_settings, fake_pypi, fake_artifactory, packages, pip_client  # noqa: ANN001
) -> None:
    """The guide: "if both PyPI and the python-local Artifactory repo have a package with the same
    name, then devpi will fetch the package with the greatest version string" — greatest as pip
    orders versions (PEP 440), not as strings. A user learns that a release on either side can win.

    `pre` is drawn too: each example costs one pip run, which is what keeps 50 examples within a
    minute on two cores (a second, concurrent pip bought nothing on a busy machine)."""
    published = publish(f"r3-prop-{next(_projects)}", placed, packages, fake_pypi, fake_artifactory)
    label(published, pre=pre)
    local = clone_root_local(devpi)

    # --disable-pip-version-check: pip's self-check would ask root/local for "pip" on every run.
    args = ("--disable-pip-version-check", *(["--pre"] if pre else []))
    result = pip_client.resolve(published.name, index_url=local.simple_url, args=args)

    assert_greatest(result, published, local, {"pypi": fake_pypi, "intranet": fake_artifactory}, pre=pre, promise="R3")
