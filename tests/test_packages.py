"""Unit tests for fixtures.packages (hermetic: pip runs with --no-index only)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from fixtures.packages import Dist, PackageFactory, build_sdist, build_wheel

# (name, version, expected "{name}-{version}" stem shared by both filenames)
CASES = [
    ("private-package", "1.0", "private_package-1.0"),
    ("Private_Package", "2.0RC1", "private_package-2.0rc1"),
    ("foo.bar", "1!2.0", "foo_bar-1!2.0"),
    ("Foo--_.Bar", "1.0.post1", "foo_bar-1.0.post1"),
    ("x", "1.0.dev3", "x-1.0.dev3"),
    ("pkg", "1.0+local.1", "pkg-1.0+local.1"),
]


def pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run pip hermetically: no user/site config, no index, throwaway HOME."""
    home = tempfile.mkdtemp(dir=cwd)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-index"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(("name", "version", "stem"), CASES)
def test_filenames_round_trip(tmp_path: Path, name: str, version: str, stem: str) -> None:
    wheel = build_wheel(tmp_path, name, version)
    sdist = build_sdist(tmp_path, name, version)
    assert (wheel.filename, sdist.filename) == (f"{stem}-py3-none-any.whl", f"{stem}.tar.gz")
    assert (wheel.name, wheel.version, wheel.kind) == (name, version, "wheel")
    assert (sdist.name, sdist.version, sdist.kind) == (name, version, "sdist")
    w_name, w_ver, _, tags = parse_wheel_filename(wheel.filename)
    s_name, s_ver = parse_sdist_filename(sdist.filename)
    assert w_name == s_name == canonicalize_name(name)
    assert w_ver == s_ver == Version(version)
    assert [str(t) for t in tags] == ["py3-none-any"]


def test_wheel_record_and_metadata(tmp_path: Path) -> None:
    dist = build_wheel(tmp_path, "foo.bar", "1.0", requires_python=">=3.8", payload="x = 1")
    with zipfile.ZipFile(dist.path) as zf:
        names = zf.namelist()
        info = "foo_bar-1.0.dist-info"
        assert names[-1] == f"{info}/RECORD"
        rows = list(csv.reader(io.StringIO(zf.read(f"{info}/RECORD").decode())))
        assert sorted(r[0] for r in rows) == sorted(names)
        for path, digest, size in rows:
            if path.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = zf.read(path)
            b64 = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, int(size)) == (f"sha256={b64}", len(data))
        meta = zf.read(f"{info}/METADATA").decode()
        assert "Name: foo.bar\n" in meta and "Requires-Python: >=3.8\n" in meta
        assert "Root-Is-Purelib: true" in zf.read(f"{info}/WHEEL").decode()
        assert "x = 1" in zf.read("foo_bar/__init__.py").decode()


def test_sdist_layout(tmp_path: Path) -> None:
    dist = build_sdist(tmp_path, "Private_Package", "1.0", requires_python=">=3")
    with tarfile.open(dist.path) as tf:
        top = "private_package-1.0"
        expected = ("PKG-INFO", "pyproject.toml", "backend.py", "private_package/__init__.py")
        assert set(tf.getnames()) == {f"{top}/{f}" for f in expected}
        for member in tf.getmembers():
            assert (member.mtime, member.uid, member.mode) == (1577836800, 0, 0o644)
        pkg_info, pyproject = (
            tf.extractfile(f"{top}/{f}").read().decode()  # type: ignore[union-attr]
            for f in ("PKG-INFO", "pyproject.toml")
        )
    assert "Metadata-Version: 2.1\n" in pkg_info and "Requires-Python: >=3\n" in pkg_info
    assert "requires = []" in pyproject and 'backend-path = ["."]' in pyproject


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_deterministic(tmp_path: Path, kind: str) -> None:
    def build(sub: str, payload: str) -> Dist:
        factory = PackageFactory(tmp_path / sub)
        make = factory.wheel if kind == "wheel" else factory.sdist
        return make("pkg", "1.0", requires_python=">=3", payload=payload)

    first, second, other = build("a", "p"), build("b", "p"), build("c", "q")
    assert first.sha256 == second.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest()
    assert first.path.read_bytes() == second.path.read_bytes()
    assert other.sha256 != first.sha256


@pytest.mark.parametrize("name", ["", "-foo", "foo-", "foo bar", "föö"])
def test_invalid_name_rejected(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        build_wheel(tmp_path, name, "1.0")


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_pip_installs_offline(tmp_path: Path, kind: str) -> None:
    # The sdist case runs the in-tree backend under build isolation without an index.
    factory = PackageFactory(tmp_path / "dists")
    dist = (factory.wheel if kind == "wheel" else factory.sdist)("Foo.Bar", "1!2.0rc1")
    result = pip("install", "--target", str(tmp_path / "t"), str(dist.path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    module = (tmp_path / "t" / "foo_bar" / "__init__.py").read_text()
    assert '__version__ = "1!2.0rc1"' in module


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_pip_honours_requires_python(tmp_path: Path, kind: str) -> None:
    factory = PackageFactory(tmp_path / "dists")
    (factory.wheel if kind == "wheel" else factory.sdist)("too-new", "1.0", requires_python=">=99")
    target = str(tmp_path / "t")
    result = pip("install", "--find-links", str(factory.dest), "--target", target, "too-new",
                 cwd=tmp_path)
    assert result.returncode != 0
    # Local files carry no data-requires-python, so pip rejects the file after reading its metadata,
    # naming the requirement: a "No matching distribution" would mean the file was never considered.
    version = ".".join(map(str, sys.version_info[:3]))
    assert f"Package 'too-new' requires a different Python: {version} not in '>=99'" in result.stderr, result.stderr
    assert not (tmp_path / "t").exists() or not any((tmp_path / "t").iterdir())


def test_pip_accepts_satisfied_requires_python(tmp_path: Path) -> None:
    factory = PackageFactory(tmp_path / "dists")
    factory.wheel("fits", "1.0", requires_python=">=3")
    target = str(tmp_path / "t")
    result = pip("install", "--find-links", str(factory.dest), "--target", target, "fits",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "t" / "fits" / "__init__.py").is_file()


@st.composite
def pep440_versions(draw: st.DrawFn) -> str:
    """Valid PEP 440 strings: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]."""
    version = ".".join(map(str, draw(st.lists(st.integers(0, 999), min_size=1, max_size=4))))
    if draw(st.booleans()):
        version = f"{draw(st.integers(1, 5))}!{version}"
    if draw(st.booleans()):
        version += f"{draw(st.sampled_from(['a', 'b', 'rc']))}{draw(st.integers(0, 20))}"
    if draw(st.booleans()):
        version += f".post{draw(st.integers(0, 20))}"
    if draw(st.booleans()):
        version += f".dev{draw(st.integers(0, 20))}"
    if draw(st.booleans()):
        local = st.from_regex(r"[a-z0-9]{1,5}(\.[a-z0-9]{1,5}){0,2}", fullmatch=True)
        version += "+" + draw(local)
    return version


@settings(max_examples=50, deadline=None)
@given(version=pep440_versions())
def test_wheel_filename_parses_back(version: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dist = build_wheel(Path(tmp), "some.Project", version)
        name, parsed, _, _ = parse_wheel_filename(dist.filename)
    assert name == "some-project"
    assert parsed == Version(version)
