"""P4: an upstream serves bytes that do not match the sha256 it advertises (a corrupted mirror,
a tampering proxy). Whichever index serves the file, pip must not end up with those bytes as a
good download, devpi must not keep them, and the next good answer of the upstream heals it.

What devpi itself answers for the corrupt file is recorded as a figure, not asserted: a devpi that
refuses it with an error keeps the promise at least as well as one that streams it and leaves the
check to pip. Measured on devpi 6.20:
- root/pypi (pass-through, P1): devpi only redirects; pip fetches the bytes from PyPI itself and
  rejects them against the #sha256 of devpi's simple page.
- root/python-local (cached, P2): devpi fetches and streams the bytes with 200 and the full
  Content-Length while hashing them; its check comes after the last byte, so it can only log the
  mismatch ("sha256 mismatch") and drop the file. pip rejects the bytes by the same #sha256.
The guide's other clients (setuptools' setup_requires by .pydistutils.cfg, zc.buildout by its
default.cfg) check the same #sha256 and refuse such bytes too: suites/clients.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin

import pytest

from fake_upstreams.behaviours import wrong_hash
from fixtures import disk
from fixtures.pages import page_links

SIDES = {"pypi": "root/pypi", "intranet": "root/python-local"}


def advertised_link(index_url: str, project: str, filename: str, http) -> tuple[str, str]:  # noqa: ANN001
    """devpi's URL for `filename` and the sha256 its simple page advertises for it."""
    page = urljoin(index_url, f"{project}/")
    status, found = page_links(http, page, timeout=30)
    match = [link for link in found if link.filename == filename and link.sha256]
    assert match, f"[P4] devpi's page {page} ({status}) has no link with a sha256 to {filename}: {found}"
    return match[0].url, match[0].sha256


@pytest.mark.promise("P4")
@pytest.mark.parametrize("side", SIDES)
def test_bytes_not_matching_the_advertised_hash_never_reach_pip_as_good(
        side, devpi, fresh_local, fake_pypi, fake_artifactory, pip_client, packages, project_name, http, file_request, figure):
    """"Never served as good": while the upstream sends corrupt bytes pip's download fails on
    the hash and nothing is kept; once the upstream is good again pip gets the right file. A
    user learns that a corrupted upstream costs a failed install, never a wrong one."""
    upstream = fake_pypi if side == "pypi" else fake_artifactory
    dist = packages.wheel(project_name(side), "1.0") if side == "pypi" else packages.sdist(project_name(side), "1.0")
    upstream.publish(dist)
    mirror = fresh_local.clone_of(SIDES[side])

    with upstream.misbehave(wrong_hash()):
        mark, log_mark = upstream.log.mark(), devpi.log_size()
        bad = pip_client.download(dist.name, index_url=fresh_local.simple_url)
        fetched = upstream.log.matching(file_request(dist.filename), since=mark)
        assert fetched, (
            f"[P4] precondition: {upstream.name} saw no request for {dist.filename}, so nothing corrupt was ever offered; "
            f"the scenario tested nothing\n{upstream.name} saw:\n{upstream.log.render(since=mark)}\n{bad}")
        assert not bad.ok and not bad.files, f"[P4] pip accepted a download while {upstream.name} served corrupt bytes\n{bad}"

        # What devpi itself answers for the file, as a client without a hash check sees it.
        url, advertised = advertised_link(fresh_local.simple_url, dist.name, dist.filename, http)
        assert advertised == dist.sha256, (
            f"[P4] devpi advertises sha256 {advertised} for {dist.filename}, the upstream's good file has {dist.sha256}: "
            f"a client checking devpi's hash would take whatever bytes match that")
        answer = http.get(url, timeout=30)
        devpi_log = devpi.log_tail(200, since=log_mark)

    redirected = " via " + ", ".join(f"{r.status_code} -> {r.headers.get('Location')}" for r in answer.history) if answer.history else ""
    good_bytes = hashlib.sha256(answer.content).hexdigest() == dist.sha256
    noticed = re.search(rf"{re.escape(dist.filename)}: sha256 mismatch", devpi_log) is not None
    pip_said = "on the hash" if "DO NOT MATCH THE HASHES" in bad.stderr else "with an error (see the run)"
    answered = (f"{answer.status_code}{redirected} with {'the good' if good_bytes else 'the corrupt'} bytes"
                if answer.ok else f"{answer.status_code}{redirected} (refused)")
    figure(f"P4_{side}_devpi_answer", answer.status_code,
           f"P4 {side}: while {upstream.name} sent corrupt bytes, devpi answered a plain GET of {mirror}'s file with "
           f"{answered}; devpi {'logged' if noticed else 'did not log'} the sha256 mismatch; pip failed {pip_said}")

    stored = disk.usage(devpi.serverdir).get(mirror, disk.IndexUsage(mirror))
    assert not stored.files and not stored.in_flight, (
        f"[P4] devpi kept something of the corrupt download under {mirror}\n{disk.report(devpi.serverdir)}")

    healed = pip_client.download(dist.name, index_url=fresh_local.simple_url)
    assert healed.ok and healed.file(dist.name).sha256 == dist.sha256, (
        f"[P4] with {upstream.name} good again pip should get the right file\n{healed}")
    after = disk.wait_for_file(devpi.serverdir, dist.filename) if not answer.history else disk.usage(devpi.serverdir)
    wrong = [f for f in disk.all_files(after) if f.filename == dist.filename and f.sha256 != dist.sha256]
    assert not wrong, f"[P4] devpi stored bytes of {dist.filename} that are not the upstream's file\n{disk.render(after)}"
