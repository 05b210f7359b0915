"""P2 and P3: files devpi keeps. root/python-local is a cached mirror (the guide's default for a
mirror); the guide's note (`devpi index pypi mirror_use_external_urls=False`) makes root/pypi
one too. Evidence: the file in devpi's server directory, its hash, and an upstream that is
asked for the file once only."""

from __future__ import annotations

import pytest

from fixtures import disk
from fixtures.catalogue import PUBLIC_PROJECT


@pytest.mark.promise("P2")
def test_intranet_file_is_stored_once_and_served_from_the_copy(
        fresh_local, fake_artifactory, pip_client, packages, project_name, file_request):
    """"python-local (cache)": the first download stores the intranet's file under
    root/python-local in devpi's server directory, byte for byte; the second is served from
    that copy without asking the intranet repo. A user learns where the copy lives and that
    it is the intranet's own file."""
    dist = packages.sdist(project_name("private"), "1.0")
    fake_artifactory.publish(dist)
    mirror, serverdir = fresh_local.clone_of("root/python-local"), fresh_local.devpi.serverdir
    mark = fake_artifactory.log.mark()

    first = pip_client.download(dist.name, index_url=fresh_local.simple_url)
    assert first.ok, f"[P2] precondition: pip could not download {dist.name} through root/local\n{first}"
    got = first.file(dist.name)
    assert got.served_by == mirror, f"[P2] expected the file from {mirror} (root/python-local)\n{first}"
    assert got.sha256 == dist.sha256, f"[P2] pip's file differs from the intranet's\n{first}"

    stored = disk.wait_for_file(serverdir, dist.filename)
    copies = [f for f in disk.all_files(stored) if f.filename == dist.filename]
    assert len(copies) == 1, (f"[P2] expected one stored copy of {dist.filename}, found {len(copies)} "
                              f"(a pass-through mirror keeps none)\n{disk.render(stored)}\n{first}")
    copy = copies[0]
    assert copy.relpath.startswith(f"{mirror}/+f/"), f"[P2] {dist.filename} is not stored under {mirror}\n{disk.render(stored)}"
    assert (copy.sha256, copy.size) == (dist.sha256, dist.path.stat().st_size), (
        f"[P2] the stored copy is not the intranet's file (sha256 {dist.sha256})\n{disk.render(stored)}")

    second = pip_client.download(dist.name, index_url=fresh_local.simple_url)
    assert second.ok and second.file(dist.name).sha256 == dist.sha256, f"[P2] the second download failed or differs\n{second}"
    # Only the first download reached the intranet repo's file URL.
    fetched = fake_artifactory.log.matching(file_request(dist.filename), since=mark)
    assert len(fetched) == 1, (
        f"[P2] fake Artifactory saw {len(fetched)} request(s) for {dist.filename} in two downloads, expected 1\n"
        f"fake Artifactory saw:\n{fake_artifactory.log.render(since=mark)}\n{second}")
    again = disk.usage(serverdir)
    assert disk.new_files(stored, again) == [], f"[P2] the second download stored something again\n{disk.render(again)}"


@pytest.mark.promise("P3")
@pytest.mark.reads_setting("mirror_use_external_urls")
def test_the_guides_note_caches_pypi_files_and_disk_grows_by_them(make_devpi, fake_pypi, pip_client, http, file_request):
    """The guide's note, run as the deployment's own step (cache-pypi.sh): PyPI's numpy is then
    stored under root/pypi byte for byte, a second download does not reach PyPI, and the server
    directory grows by exactly the bytes of the file served ("devpi will consume more disk space")."""
    server = make_devpi(extra_steps=("cache_pypi",))
    pypi = server.api.index_config("root/pypi")
    assert pypi.get("mirror_use_external_urls") is False, f"[P3] after cache-pypi.sh root/pypi is still {pypi}"
    index_url = server.index_url("root/local")
    before, mark = disk.usage(server.serverdir), fake_pypi.log.mark()

    first = pip_client.download(PUBLIC_PROJECT, index_url=index_url, args=("--prefer-binary",))
    assert first.ok, f"[P3] precondition: pip could not download numpy through root/local\n{first}"
    numpy = first.file(PUBLIC_PROJECT)
    upstream_size = (fake_pypi.root / numpy.filename).stat().st_size
    assert numpy.served_by == "root/pypi", f"[P3] expected the file from root/pypi\n{first}"
    assert numpy.sha256 == fake_pypi.sha256(numpy.filename), f"[P3] pip's file differs from PyPI's\n{first}"

    after = disk.wait_for_file(server.serverdir, numpy.filename)
    added = disk.new_files(before, after)
    assert [(f.filename, f.sha256, f.size) for f in added] == [(numpy.filename, numpy.sha256, upstream_size)], (
        f"[P3] expected exactly PyPI's {numpy.filename} to be stored\nbefore: {disk.render(before)}\nafter: {disk.render(after)}\n{first}\n"
        f"--- devpi-server log (tail) ---\n{server.log_tail(30)}")
    assert added[0].relpath.startswith("root/pypi/+f/"), f"[P3] the file is not stored under root/pypi\n{disk.render(after)}"
    grown = disk.total_bytes(after) - disk.total_bytes(before)
    assert grown == upstream_size, f"[P3] disk grew by {grown} bytes, the file served has {upstream_size}\n{disk.render(after)}"

    second = pip_client.download(PUBLIC_PROJECT, index_url=index_url, args=("--prefer-binary",))
    assert second.ok and second.file(PUBLIC_PROJECT).sha256 == numpy.sha256, f"[P3] the second download failed or differs\n{second}"
    # devpi serves its copy itself (no redirect), and PyPI saw the file requested once only.
    answer = http.get(numpy.url, allow_redirects=False, timeout=30)
    assert answer.status_code == 200 and answer.content == (fake_pypi.root / numpy.filename).read_bytes(), (
        f"[P3] devpi answered {numpy.url} with {answer.status_code} {answer.headers.get('Location', '')}, not its copy\n{second}")
    fetched = fake_pypi.log.matching(file_request(numpy.filename), since=mark)
    assert len(fetched) == 1, (
        f"[P3] fake PyPI saw {len(fetched)} request(s) for {numpy.filename} in two downloads, expected 1\n"
        f"fake PyPI saw:\n{fake_pypi.log.render(since=mark)}\n{second}")
    assert disk.usage(server.serverdir) == after, f"[P3] later downloads changed the server directory\n{disk.report(server.serverdir)}"
