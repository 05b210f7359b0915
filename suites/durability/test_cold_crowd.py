"""D1: many clients at once on a cold cache. pip, uv and plain HTTP ask devpi for a project it has never
seen, all at the same moment, through root/local (two CI jobs starting together, a team's laptops after a
release); each must get what one client alone gets. The control is one pip run alone, on a clone of
root/local of its own that is just as cold."""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import stall
from fixtures import disk
from fixtures.clients import Resolution
from fixtures.exchanges import CONCURRENT_FILE_500
from fixtures.indexes import clone_root_local
from suites.durability.durability_support import (
    crowd_outcome,
    misplaced,
    nightly_only,
    page_links,
    raw_client,
    together,
)

PIPS, UVS, RAWS = 3, 2, 6
# A second's wait at the upstream: every client of the crowd arrives while devpi's first fetch is in flight
# (an Artifactory answers a cold page in about that; pip and uv take that long to start).
UPSTREAM_SECONDS = 1.5
# Where the project is published: (intranet versions, PyPI versions); 2.0 is the greatest everywhere.
WHERE = {
    "intranet": (("1.0", "2.0"), ()),
    "pypi": ((), ("1.0", "2.0")),
    "both": (("2.0",), ("1.0",)),
}


@pytest.mark.promise("D1")
@pytest.mark.finding("D1-concurrent-cold-page-incomplete", "D1-devpi7-concurrent-file-500")
@pytest.mark.parametrize("where", [pytest.param(where, marks=() if where == "both" else nightly_only) for where in WHERE])
def test_many_clients_at_once_on_a_cold_cache_get_what_one_client_alone_gets(
        where, devpi, fresh_local, fake_artifactory, fake_pypi, packages, project_name, pip_client, uv_client, http,
        figure, finding):
    name = project_name("cold")
    intranet, pypi = WHERE[where]
    for version in intranet:
        fake_artifactory.publish(packages.wheel(name, version))
    for version in pypi:
        fake_pypi.publish(packages.wheel(name, version))
    greatest = packages.wheel(name, "2.0")
    for upstream in (fake_artifactory, fake_pypi):
        upstream.misbehave(stall(UPSTREAM_SECONDS), path=rf"/simple/{name}/$")

    alone_index = clone_root_local(devpi)
    alone = pip_client.download(name, index_url=alone_index.simple_url)
    assert alone.ok and alone.file(name).version == "2.0" and alone.file(name).sha256 == greatest.sha256, (
        f"[D1] precondition: one pip alone, on a cold clone of root/local, should get {name} 2.0 "
        f"(sha256 {greatest.sha256}), as R1-R3 promise\n{alone}")
    _, alone_links = page_links(http, f"{alone_index.simple_url}{name}/")

    raw = raw_client(f"{fresh_local.simple_url}{name}/", greatest.filename)
    marks, log_from = (fake_artifactory.log.mark(), fake_pypi.log.mark()), devpi.log_size()
    calls = ([lambda: pip_client.download(name, index_url=fresh_local.simple_url)] * PIPS
             + [lambda: uv_client.resolve(name, index_url=fresh_local.simple_url)] * UVS + [raw] * RAWS)
    answers = together(*calls)
    alone_page = {filename: sha for filename, (_url, sha) in alone_links.items()}
    judged = [crowd_outcome(a, "2.0", greatest.sha256, alone_page) for a in answers]
    table = "\n".join(f"  {kind:8} {said}" for kind, said in judged)
    page_fetches = [len(u.log.matching(rf"/simple/{name}/$", since=m)) for u, m in zip((fake_artifactory, fake_pypi), marks, strict=True)]
    evidence = (f"{len(calls)} clients at once ({PIPS} pip, {UVS} uv, {RAWS} plain HTTP) on {fresh_local.name}, "
                f"{name} on {where} (upstream pages {UPSTREAM_SECONDS} s slow); devpi fetched the page "
                f"{page_fetches[0]} time(s) from the intranet, {page_fetches[1]} from PyPI. What each got:\n{table}")
    runs = "\n\n".join(str(a) for a in answers if isinstance(a, Resolution) and not a.ok)

    file_500 = [said for kind, said in judged if kind == "file-500"]
    known_500 = bool(file_500) and bool(CONCURRENT_FILE_500.entries(devpi.log_since(log_from)))
    wrong = [said for kind, said in judged if kind in ("other", "error") or (kind == "file-500" and not known_500)]
    assert not wrong, (f"[D1] {len(wrong)} of {len(calls)} clients at once got another answer than one client alone "
                       f"(2.0, sha256 {greatest.sha256[:16]}): {wrong}\n{evidence}\n{runs}")
    after = disk.usage(devpi.serverdir)
    assert not misplaced(after), f"[D1] stored files do not match their hashes after the crowd: {misplaced(after)}"
    partial = [said for kind, said in judged if kind == "partial"]
    figure(f"d1_{where}_clients_with_incomplete_answer", len(partial),
           f"D1 {where}: {len(calls)} clients at once on a cold project: {len(calls) - len(partial)} got 2.0 as one client "
           f"alone does, {len(partial)} an incomplete page (no version, or an older one); devpi asked the intranet "
           f"{page_fetches[0]} time(s), PyPI {page_fetches[1]}")
    if partial:
        late = pip_client.download(name, index_url=fresh_local.simple_url)
        finding.add("D1-concurrent-cold-page-incomplete",
                f"{len(partial)} of {len(calls)} clients asking at once for a project devpi had not seen got a page "
                f"without the links of an upstream devpi was still fetching ("
                + ("status 200" if not any("404" in said for said in partial) else
                   "status 200, or 404 where devpi knows the name only once the fetch commits: mirror_no_project_list")
                + "): pip says 'from versions: "
                f"none' or takes the other upstream's older release, uv finds no version. A client asking once the first "
                f"fetch had finished got {late.file(name).version if late.ok else 'nothing either'}. {evidence}\n"
                "Why (devpi-server mirror.py get_simplelinks_perstage): the requests that waited for the first fetch read "
                "the index as it was before that fetch committed, and answer 'cached not found' for that mirror. What "
                "to do: let one client warm a new project first (in CI, one `pip download --no-deps` of the lock "
                "file's projects before parallel jobs), or retry a 'not found' of a project that exists")
    if known_500:
        finding.add("D1-devpi7-concurrent-file-500",
                    f"{len(file_500)} of {len(calls)} clients fetching {greatest.filename} at the same moment, devpi not "
                    f"having stored it yet, got 500 ({file_500}); devpi's log: {CONCURRENT_FILE_500.signs[0][0]!r} (filestore_fs_base "
                    f"new_open: a second request storing the same file). pip and uv retry a 500 and got the file. {evidence}\n"
                    "What to do: let one client warm a new project first, or retry a 500 of a file (pip and uv do)")
