"""P1: the guide's `devpi index pypi mirror_use_external_urls=True  # don't cache PyPI packages`.

Evidence a user can check: devpi's server directory holds no PyPI file, the fake PyPI sees
every download, and devpi answers its own file URL with a redirect to PyPI's."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from fixtures import disk
from fixtures.catalogue import PUBLIC_PROJECT
from fixtures.effective import not_applicable


@pytest.mark.promise("P1")
@pytest.mark.reads_setting("mirror_use_external_urls")
def test_pypi_files_pass_through_and_are_never_stored(devpi, fake_pypi, pip_client, http, file_request, effective_setting):
    """"don't cache PyPI packages": pip's numpy comes from PyPI on every download, through a
    302 from devpi's +f URL to PyPI's own file URL, and devpi's server directory never holds it.
    A user learns that PyPI packages need PyPI each time (and take no disk space)."""
    if not (setting := effective_setting("root/pypi", "mirror_use_external_urls")).value:
        not_applicable(setting, "root/pypi caches PyPI files, the guide's cache-PyPI note; P3 checks the note")
    mark = fake_pypi.log.mark()
    first = pip_client.download(PUBLIC_PROJECT, args=("--prefer-binary",))
    assert first.ok, f"[P1] precondition: pip could not download {PUBLIC_PROJECT} through root/local\n{first}"
    numpy = first.file(PUBLIC_PROJECT)
    assert numpy.url.startswith(devpi.url) and numpy.served_by == "root/pypi", (
        f"[P1] precondition: expected the file from devpi's root/pypi\n{first}")
    assert numpy.sha256 == fake_pypi.sha256(numpy.filename), f"[P1] pip's file differs from PyPI's\n{first}"

    second = pip_client.download(PUBLIC_PROJECT, args=("--prefer-binary",))
    assert second.ok and second.file(PUBLIC_PROJECT).sha256 == numpy.sha256, f"[P1] the second download differs\n{second}"
    # Both downloads fetched the file from PyPI: nothing answered the second from a copy.
    fetched = fake_pypi.log.matching(file_request(numpy.filename), since=mark)
    assert len(fetched) == 2, (
        f"[P1] fake PyPI saw {len(fetched)} request(s) for {numpy.filename} in two downloads: devpi answered from a copy\n"
        f"fake PyPI saw:\n{fake_pypi.log.render(since=mark)}\n{second}")

    # How the file reached pip: devpi's own URL answers with a redirect to PyPI's URL of the file.
    answer = http.get(numpy.url, allow_redirects=False, timeout=30)
    location = urlsplit(answer.headers.get("Location", ""))
    assert answer.status_code == 302, (
        f"[P1] devpi answered {numpy.url} with {answer.status_code}, not a 302 redirect to PyPI "
        f"(it serves the file itself, so it has or will keep a copy)\n{first}")
    assert (location.netloc, location.path.rsplit("/", 1)[-1]) == (urlsplit(fake_pypi.url).netloc, numpy.filename), (
        f"[P1] devpi redirected to {answer.headers.get('Location')!r}, not to fake PyPI's {numpy.filename}\n{first}")

    stored = disk.usage(devpi.serverdir)
    kept = [f for f in disk.all_files(stored) if f.sha256 == numpy.sha256 or f.filename == numpy.filename]
    assert not kept, f"[P1] devpi stored the PyPI file {numpy.filename}\n{disk.render(stored)}\n{first}"
