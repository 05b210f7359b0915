"""Unit tests for fixtures.clients: real pip and uv against fake upstreams directly (no devpi)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_upstreams import FakeUpstream, fake_artifactory, fake_pypi
from fake_upstreams.behaviours import hang
from fixtures.clients import PipClient, ResolvedFile, Resolution, UvClient, sha256_of
from fixtures.packages import Dist, PackageFactory

NOWHERE = "http://127.0.0.1:9/nowhere/"  # the discard port: nothing answers there
NEXT_MINOR = f"{sys.version_info.major}.{sys.version_info.minor + 1}"
REAL_HOME = Path.home()  # before any test replaces HOME


def catalogue(factory: PackageFactory) -> list[Dist]:
    return [
        factory.wheel("alpha", "1.0"),
        factory.wheel("alpha", "1.1"),
        factory.sdist("alpha", "1.1"),
        factory.wheel("alpha", "2.0rc1"),  # a pre-release: neither client takes it unasked
        factory.sdist("beta", "0.5"),  # sdist only: pip prepares its metadata with the in-tree backend
        factory.wheel("gamma", "1.0"),
        factory.sdist("gamma", "1.2"),  # the newest release has no wheel
        factory.wheel("Delta.Pkg", "3.0"),
        factory.wheel("hermes", "1.0"),
        factory.wheel("pyreq", "1.0"),
        factory.wheel("pyreq", "2.0", requires_python=f">={NEXT_MINOR}"),  # only in METADATA, as with most uploads
        factory.wheel("loc", "1.0+local.1"),
        factory.wheel("epo", "1!2.0"),
    ]


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> PackageFactory:
    return PackageFactory(tmp_path_factory.mktemp("client-dists"))


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory, factory: PackageFactory) -> Iterator[FakeUpstream]:
    with fake_pypi(tmp_path_factory.mktemp("client-pypi")) as fake:
        fake.publish(*catalogue(factory))
        yield fake


@pytest.fixture(scope="module")
def artifactory(tmp_path_factory: pytest.TempPathFactory, factory: PackageFactory) -> Iterator[FakeUpstream]:
    with fake_artifactory(tmp_path_factory.mktemp("client-artifactory")) as fake:
        fake.publish(*catalogue(factory))
        yield fake


@pytest.fixture(scope="module")
def decoy(tmp_path_factory: pytest.TempPathFactory, factory: PackageFactory) -> Iterator[FakeUpstream]:
    """An index the host's configuration points at, holding a higher version than the real one."""
    with fake_pypi(tmp_path_factory.mktemp("client-decoy")) as fake:
        fake.publish(factory.wheel("hermes", "9.0"), factory.wheel("alpha", "9.0"))
        yield fake


@pytest.fixture
def pip(tmp_path: Path) -> PipClient:
    return PipClient(tmp_path / "pip")


@pytest.fixture(autouse=True)
def _upstreams_online(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    for name in ("upstream", "artifactory", "decoy"):
        if name in request.fixturenames:
            request.getfixturevalue(name).back_to_normal()


def only_file(resolution: Resolution) -> ResolvedFile:
    assert resolution.ok, str(resolution)
    assert len(resolution.files) == 1, str(resolution)
    return resolution.files[0]


# -- pip download and resolve -----------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["pypi", "artifactory"])
def test_pip_download_reports_file_version_url_and_hash_of_the_bytes(
    request: pytest.FixtureRequest, pip: PipClient, flavour: str
) -> None:
    fake: FakeUpstream = request.getfixturevalue("upstream" if flavour == "pypi" else "artifactory")
    mark = fake.log.mark()
    resolution = pip.download("alpha", index_url=fake.simple_url)
    got = only_file(resolution)
    assert (got.name, got.version, got.filename) == ("alpha", "1.1", "alpha-1.1-py3-none-any.whl")
    on_disk = [p for p in pip.workdir.rglob(got.filename) if p.is_file()]
    assert len(on_disk) == 1
    assert got.sha256 == sha256_of(on_disk[0]) == fake.sha256(got.filename)
    assert got.url.startswith(fake.url), got.url
    assert got.url.endswith("/" + got.filename)
    if flavour == "artifactory":
        digest = got.sha256
        assert got.url == f"{fake.url}packages/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{got.filename}"
    else:
        assert got.url == f"{fake.url}packages/{got.filename}"
    fake.log.assert_requested(r"/simple/alpha/$", since=mark)
    fake.log.assert_requested(f"/{got.filename}$", count=1, since=mark)
    assert pip.history == [resolution]


def test_pip_download_of_an_sdist_only_project(upstream: FakeUpstream, pip: PipClient) -> None:
    got = only_file(pip.download("beta", index_url=upstream.simple_url))
    assert (got.name, got.version, got.filename) == ("beta", "0.5", "beta-0.5.tar.gz")
    assert got.url == f"{upstream.url}packages/beta-0.5.tar.gz"
    assert got.sha256 == upstream.sha256("beta-0.5.tar.gz")


def test_pip_resolve_reports_name_version_url_and_hash(upstream: FakeUpstream, pip: PipClient) -> None:
    mark = upstream.log.mark()
    resolution = pip.resolve("Delta.Pkg", index_url=upstream.simple_url)
    got = only_file(resolution)
    assert (got.name, got.version) == ("delta-pkg", "3.0")
    assert got.filename == "delta_pkg-3.0-py3-none-any.whl"
    assert got.url == f"{upstream.url}packages/{got.filename}"
    assert got.sha256 == upstream.sha256(got.filename)
    assert resolution.file("delta_pkg") is got
    assert resolution.versions() == {"delta-pkg": "3.0"}
    assert "--dry-run" in resolution.command
    upstream.log.assert_requested(r"/simple/delta-pkg/$", since=mark)


def test_pip_resolve_takes_the_newest_release_even_without_a_wheel(upstream: FakeUpstream, pip: PipClient) -> None:
    got = only_file(pip.resolve("gamma", index_url=upstream.simple_url))
    assert (got.version, got.filename, got.sha256) == ("1.2", "gamma-1.2.tar.gz", upstream.sha256("gamma-1.2.tar.gz"))


@pytest.mark.parametrize("action", ["download", "resolve"])
def test_missing_project_fails_with_pips_message(upstream: FakeUpstream, pip: PipClient, action: str) -> None:
    resolution = getattr(pip, action)("no-such-project", index_url=upstream.simple_url)
    assert resolution.returncode != 0
    assert not resolution.ok
    assert resolution.files == []
    assert "No matching distribution" in resolution.stderr
    report = str(resolution)
    assert "No matching distribution" in report
    assert f"exit status {resolution.returncode}" in report
    assert "(none)" in report
    with pytest.raises(AssertionError, match="resolved no file of no-such-project"):
        resolution.file("no-such-project")


@pytest.mark.parametrize(("project", "version"), [("loc", "1.0+local.1"), ("epo", "1!2.0")])
def test_pip_download_reports_the_url_of_local_and_epoch_versions(
    upstream: FakeUpstream, pip: PipClient, project: str, version: str
) -> None:
    got = only_file(pip.download(project, index_url=upstream.simple_url))
    assert got.version == version
    assert got.url != "?"
    assert got.url.startswith(f"{upstream.url}packages/")


@pytest.mark.parametrize(("project", "filename"), [
    ("loc", "loc-1.0+local.1-py3-none-any.whl"),
    ("epo", "epo-1!2.0-py3-none-any.whl"),
])
def test_pip_resolve_reports_the_plain_filename(upstream: FakeUpstream, pip: PipClient, project: str, filename: str) -> None:
    got = only_file(pip.resolve(project, index_url=upstream.simple_url))
    assert got.sha256 == upstream.sha256(filename)
    assert got.filename == filename


def test_a_pip_run_asks_the_index_only_about_the_requested_project(upstream: FakeUpstream, tmp_path: Path) -> None:
    quiet = PipClient(tmp_path / "quiet", version_check=False)
    mark = upstream.log.mark()
    only_file(quiet.resolve("alpha", index_url=upstream.simple_url))
    asked = {r.path for r in upstream.log.matching(r"^/simple/", since=mark)}
    assert asked == {"/simple/alpha/"}, upstream.log.render(since=mark)


def test_by_default_pip_also_checks_for_a_newer_pip_on_every_run(upstream: FakeUpstream, pip: PipClient) -> None:
    """As the guide's user's pip does with --no-cache-dir: no self-check state is kept between runs."""
    for _ in range(2):
        mark = upstream.log.mark()
        only_file(pip.resolve("alpha", index_url=upstream.simple_url))
        upstream.log.assert_requested(r"^/simple/pip/$", count=1, since=mark)


# -- hermetic: blind to the host's configuration ---------------------------------------------------------


@pytest.fixture
def hostile_host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, factory: PackageFactory, decoy: FakeUpstream) -> Path:
    """The host's pip and uv settings all point away from the index under test. Returns its HOME."""
    find_links = tmp_path / "find-links"
    PackageFactory(find_links).wheel("hermes", "5.0")
    PackageFactory(find_links).wheel("alpha", "5.0")
    home = tmp_path / "host-home"
    host_pip_conf = home / ".config" / "pip" / "pip.conf"
    host_pip_conf.parent.mkdir(parents=True)
    host_pip_conf.write_text(f"[global]\nindex-url = {decoy.simple_url}\nfind-links = {find_links}\n")
    (home / ".pip").mkdir()
    (home / ".pip" / "pip.conf").write_text(host_pip_conf.read_text())
    uv_toml = home / ".config" / "uv" / "uv.toml"
    uv_toml.parent.mkdir(parents=True)
    uv_toml.write_text(f'index-url = "{decoy.simple_url}"\nfind-links = ["{find_links}"]\n')
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PIP_INDEX_URL": NOWHERE,
        "PIP_EXTRA_INDEX_URL": decoy.simple_url,
        "PIP_FIND_LINKS": str(find_links),
        "PIP_CONFIG_FILE": str(host_pip_conf),
        "PIP_PRE": "1",
        "UV_INDEX_URL": decoy.simple_url,
        "UV_DEFAULT_INDEX": decoy.simple_url,
        "UV_EXTRA_INDEX_URL": decoy.simple_url,
        "UV_FIND_LINKS": str(find_links),
        "UV_PRERELEASE": "allow",
        "UV_CONFIG_FILE": str(uv_toml),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return home


def test_clients_resolve_only_from_the_given_index(
    hostile_host: Path, upstream: FakeUpstream, decoy: FakeUpstream, pip: PipClient, uv_client: UvClient
) -> None:
    mark = decoy.log.mark()
    for resolution in (
        pip.resolve("hermes", index_url=upstream.simple_url),
        pip.download("hermes", index_url=upstream.simple_url),
        uv_client.resolve("hermes", index_url=upstream.simple_url),
        pip.resolve("alpha", index_url=upstream.simple_url),
        uv_client.resolve("alpha", index_url=upstream.simple_url),
    ):
        assert resolution.ok, str(resolution)
        assert resolution.files, str(resolution)
        for got in resolution.files:
            assert got.version in ("1.0", "1.1"), str(resolution)  # not 9.0 (decoy), 5.0 (find-links), 2.0rc1 (pre)
            assert got.url.startswith(upstream.url), str(resolution)
    assert decoy.log.matching("", since=mark) == [], decoy.log.render(since=mark)


def test_pip_environment_holds_nothing_of_the_host(hostile_host: Path, pip: PipClient) -> None:
    env = pip.env()
    assert [k for k in env if k.startswith("PIP_")] == ["PIP_CONFIG_FILE"]
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert not [k for k in env if k.startswith(("UV_", "XDG_")) or k.lower().endswith("_proxy")]
    assert Path(env["HOME"]) not in (REAL_HOME, hostile_host)
    assert Path(env["HOME"]).is_relative_to(pip.workdir)
    assert Path(env["HOME"]).is_dir()


def test_pip_conf_is_used_when_no_index_url_is_given(
    hostile_host: Path, upstream: FakeUpstream, decoy: FakeUpstream, tmp_path: Path
) -> None:
    conf = tmp_path / "deployment" / "pip.conf"
    conf.parent.mkdir()
    conf.write_text(f"[global]\nindex-url = {upstream.simple_url}\n")
    client = PipClient(tmp_path / "pip-conf", config=conf)
    assert client.env()["PIP_CONFIG_FILE"] == str(conf)
    mark, decoy_mark = upstream.log.mark(), decoy.log.mark()
    resolved = client.resolve("alpha")
    downloaded = client.download("alpha")
    for resolution in (resolved, downloaded):
        assert "--index-url" not in resolution.command
        got = only_file(resolution)
        assert (got.version, got.url) == ("1.1", f"{upstream.url}packages/alpha-1.1-py3-none-any.whl")
    upstream.log.assert_requested(r"^/simple/alpha/$", count=2, since=mark)
    assert decoy.log.matching("", since=decoy_mark) == []


# -- uv ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("requirement", ["alpha", "alpha<1.1", "gamma", "Delta.Pkg"])
def test_uv_resolves_the_same_version_as_pip(upstream: FakeUpstream, pip: PipClient, uv_client: UvClient, requirement: str) -> None:
    by_pip = pip.resolve(requirement, index_url=upstream.simple_url)
    by_uv = uv_client.resolve(requirement, index_url=upstream.simple_url)
    assert by_pip.ok and by_uv.ok, f"{by_pip}\n\n{by_uv}"
    assert by_uv.versions() == by_pip.versions()
    for got in by_uv.files:
        assert got.url == f"{upstream.url}packages/{got.filename}"
        assert got.sha256 == upstream.sha256(got.filename)
    assert only_file(by_pip).filename in {f.filename for f in by_uv.files}


def test_uv_resolve_through_artifactory_links(artifactory: FakeUpstream, uv_client: UvClient) -> None:
    resolution = uv_client.resolve("beta", index_url=artifactory.simple_url)
    got = only_file(resolution)
    assert (got.name, got.version, got.filename) == ("beta", "0.5", "beta-0.5.tar.gz")
    digest = artifactory.sha256(got.filename)
    assert got.sha256 == digest
    assert got.url == f"{artifactory.url}packages/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{got.filename}"


def test_uv_missing_project_fails(upstream: FakeUpstream, uv_client: UvClient) -> None:
    resolution = uv_client.resolve("no-such-project", index_url=upstream.simple_url)
    assert resolution.returncode != 0
    assert resolution.files == []
    assert "no-such-project" in str(resolution)


def test_uv_and_pip_agree_on_a_release_that_requires_a_newer_python(upstream: FakeUpstream, pip: PipClient, uv_client: UvClient) -> None:
    # UvClient runs `uv pip compile --no-deps`: uv reads no metadata, so it skips such a release only
    # because the upstream advertises data-requires-python on the link (as PyPI and Artifactory do).
    by_pip = pip.resolve("pyreq", index_url=upstream.simple_url)
    assert by_pip.versions() == {"pyreq": "1.0"}, str(by_pip)
    by_uv = uv_client.resolve("pyreq", index_url=upstream.simple_url)
    assert by_uv.versions() == by_pip.versions(), str(by_uv)


# -- timeouts --------------------------------------------------------------------------------------------


@pytest.fixture
def hanging(tmp_path: Path, factory: PackageFactory) -> Iterator[FakeUpstream]:
    with fake_pypi(tmp_path / "hanging") as fake:
        fake.publish(factory.wheel("alpha", "1.0"))
        fake.misbehave(hang())
        yield fake  # stop() releases the handlers still waiting


def test_pips_own_timeout_gives_a_failed_resolution(hanging: FakeUpstream, tmp_path: Path) -> None:
    # The client's own limit is far away, so a pip that ignored --timeout would show as killed (-9), not pass.
    client = PipClient(tmp_path / "pip", timeout=30)
    resolution = client.download("alpha", index_url=hanging.simple_url, args=("--timeout", "1", "--retries", "0"))
    assert isinstance(resolution, Resolution)
    assert resolution.returncode == 1, str(resolution)
    assert "(killed" not in resolution.stderr, str(resolution)
    assert "ERROR: No matching distribution found for alpha" in resolution.stderr, str(resolution)
    # pip names its own timeout only in its log: the page it gave up on, after the 1 s it was given.
    pip_log = (client.workdir / "download-1" / "pip.log").read_text()
    assert f"Could not fetch URL {hanging.simple_url}alpha/: 127.0.0.1 didn't respond within 1.0 seconds" in pip_log, pip_log
    assert resolution.files == []
    assert resolution.seconds < 10
    assert ("GET", "/simple/alpha/", None) in [(r.method, r.path, r.status) for r in hanging.log], hanging.log.render()
    assert client.history == [resolution]


@pytest.mark.parametrize("make", [PipClient, UvClient], ids=["pip", "uv"])
def test_a_run_killed_at_the_client_timeout_gives_a_failed_resolution(
    hanging: FakeUpstream, tmp_path: Path, make: type[PipClient] | type[UvClient]
) -> None:
    client = make(tmp_path / "client", timeout=1.5)
    resolution = client.resolve("alpha", index_url=hanging.simple_url)  # pip and uv wait far longer by default
    assert isinstance(resolution, Resolution)
    assert resolution.returncode == -9, str(resolution)
    assert not resolution.ok
    assert resolution.files == []
    # The note is the client's, and the client had not given up by itself: no error of its own before it.
    assert resolution.stderr.strip().endswith("(killed: no answer within 1.5 s)"), str(resolution)
    assert "error" not in resolution.stderr.lower(), str(resolution)
    assert 1.5 <= resolution.seconds < 1.5 + 3
    assert "exit status -9" in str(resolution)
    assert any(r.status is None for r in hanging.log), "the client should still have been waiting on the upstream"
