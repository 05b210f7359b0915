"""Unit tests for fixtures.disk on a synthetic server directory laid out as devpi lays it out."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from fixtures.disk import IndexUsage, StoredFile, new_files, render, report, total_bytes, usage, wait_for_file

WHEEL = b"wheel bytes" * 10
SDIST = b"sdist"


def put(serverdir: Path, relpath: str, content: bytes) -> StoredFile:
    path = serverdir / "+files" / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return StoredFile(relpath, len(content), hashlib.sha256(content).hexdigest())


def server_dir(tmp_path: Path) -> Path:
    serverdir = tmp_path / "server"
    serverdir.mkdir()
    (serverdir / ".sqlite").write_bytes(b"metadata, not a release file")
    (serverdir / ".nodeinfo").write_text("{}")
    return serverdir


def test_an_initialised_server_dir_holds_nothing(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    assert usage(serverdir) == {}
    assert total_bytes(usage(serverdir)) == 0
    assert "no release file stored" in render(usage(serverdir))


def test_a_missing_server_dir_holds_nothing(tmp_path: Path) -> None:
    assert usage(tmp_path / "nowhere") == {}


def test_files_are_counted_per_index_with_size_and_sha256(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    wheel = put(serverdir, "root/pypi/+f/abc/0123456789abc/numpy-1.26.1-py3-none-any.whl", WHEEL)
    sdist = put(serverdir, "root/python-local/+f/99e/e24be0f4886dd/private_package-2.0.0.tar.gz", SDIST)

    found = usage(serverdir)

    assert set(found) == {"root/pypi", "root/python-local"}
    assert found["root/pypi"].files == [wheel]
    assert found["root/pypi"].bytes == len(WHEEL)
    assert found["root/python-local"].named("private_package-2.0.0.tar.gz") == [sdist]
    assert found["root/python-local"].named("other.tar.gz") == []
    assert sdist.filename == "private_package-2.0.0.tar.gz"
    assert sdist.sha256 == hashlib.sha256(SDIST).hexdigest()
    assert total_bytes(found) == len(WHEEL) + len(SDIST)
    assert isinstance(found["root/pypi"], IndexUsage)


def test_files_devpi_has_not_committed_are_in_flight_not_stored(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    put(serverdir, "root/python-local/+f/99e/e24be0f4886dd/p-1.0.tar.gz-" + "ab" * 32 + "-tmp", SDIST)

    found = usage(serverdir)["root/python-local"]

    assert found.files == [] and found.bytes == 0
    assert [f.filename for f in found.in_flight] == ["p-1.0.tar.gz-" + "ab" * 32 + "-tmp"]
    assert "(in flight)" in render(usage(serverdir))


def test_new_files_are_those_added_or_changed(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    put(serverdir, "root/pypi/+f/aaa/1/a-1.0.tar.gz", b"a")
    before = usage(serverdir)
    added = put(serverdir, "root/pypi/+f/bbb/2/b-1.0.tar.gz", b"bb")
    changed = put(serverdir, "root/pypi/+f/aaa/1/a-1.0.tar.gz", b"A")

    assert sorted(new_files(before, usage(serverdir))) == sorted([added, changed])
    assert new_files(usage(serverdir), usage(serverdir)) == []


def test_render_and_report_name_each_index_file_and_total(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    wheel = put(serverdir, "root/pypi/+f/abc/0123456789abc/numpy-1.26.1-py3-none-any.whl", WHEEL)

    text = render(usage(serverdir))

    assert f"{len(WHEEL)} bytes in 1 release file(s)" in text
    assert f"root/pypi: 1 file(s), {len(WHEEL)} bytes" in text
    assert wheel.relpath in text and wheel.sha256 in text


def test_report_sums_the_per_test_clones_on_one_line(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    put(serverdir, "root/python-local/+f/99e/e24be0f4886dd/p-1.0.tar.gz", SDIST)
    put(serverdir, "root/t1-python-local/+f/abc/0123456789abc/q-1.0.tar.gz", SDIST)
    put(serverdir, "root/t2-pypi/+f/abc/0123456789abc/numpy-1.26.1-py3-none-any.whl", WHEEL)

    text = report(serverdir)

    assert str(serverdir) in text
    assert f"root/python-local: 1 file(s), {len(SDIST)} bytes" in text
    assert f"2 per-test clone indexes: 2 file(s), {len(SDIST) + len(WHEEL)} bytes" in text
    assert "root/t1-" not in text


def test_stray_files_outside_an_index_folder_are_ignored(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    put(serverdir, "README", b"x")
    put(serverdir, "root/stray", b"x")
    assert usage(serverdir) == {}


def test_wait_for_file_returns_once_stored_or_at_the_deadline(tmp_path: Path) -> None:
    serverdir = server_dir(tmp_path)
    # Stored while the wait runs, as devpi commits a file a moment after pip has it.
    later = threading.Timer(0.3, put, (serverdir, "root/python-local/+f/99e/e24be0f4886dd/p-1.0.tar.gz", SDIST))
    later.start()
    started = time.monotonic()
    found = wait_for_file(serverdir, "p-1.0.tar.gz", timeout=20)
    waited = time.monotonic() - started
    later.join()
    assert [f.filename for f in found["root/python-local"].files] == ["p-1.0.tar.gz"]
    assert 0.3 <= waited < 5, f"should return once the file is stored, not at the deadline: {waited:.2f} s"

    started = time.monotonic()
    found = wait_for_file(serverdir, "absent-1.0.tar.gz", timeout=0.5)
    waited = time.monotonic() - started
    assert 0.5 <= waited < 5, f"should give up at the deadline: {waited:.2f} s"
    assert [f.filename for f in found["root/python-local"].files] == ["p-1.0.tar.gz"], "the usage as it stands then"
