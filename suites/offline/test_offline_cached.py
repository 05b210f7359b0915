"""O1: "If the intranet is not available, a cached copy of the latest version of private-package
previously downloaded is found" — for every way the intranet can be gone.

What decides how long pip takes (devpi-server's source, devpi_server/ of the installed release):
- mirror.py `get_simplelinks_perstage`: a project page devpi read less than `mirror_cache_expiry`
  seconds ago (the index's option, else --mirror-cache-expiry; config.py
  DEFAULT_MIRROR_CACHE_EXPIRY = 1800) is answered from devpi's database without asking the
  upstream: within the expiry, how the intranet is gone does not matter at all.
- After the expiry devpi asks the upstream and waits at most its request timeout
  (--request-timeout; config.py DEFAULT_REQUEST_TIMEOUT = 5; `run_coroutine_threadsafe(...,
  timeout=self.timeout)` in `get_simplelinks_perstage`, and the same timeout on the httpx client,
  httpclient.py / main.py `new_http_client`). Any failure — connection refused, a name that does
  not resolve, a 5xx (`UpstreamError`), or the timeout — makes it log "serving stale links" and
  answer with the cached page. Refused, 5xx and an unresolvable name fail at once; a server that
  never answers and a black-holed link cost one request timeout.
- pip's self-version check asks root/local for `pip` before anything else. devpi looks the name up
  in root/python-local's project list, which after the expiry means asking the intranet
  (`has_project_perstage` → `_list_projects_perstage(timeout=request timeout)`, "serving stale
  projects" on failure); measured with a hang: twice, 2 × 5 s, but pip stops waiting after 5 s
  (its self-check timeout) and goes on. So a hang or a black hole costs a pip run about
  5 s + one request timeout; the bound allows two request timeouts on top of pip's own work.
- The release file is served from devpi's own store (+f/ URL): the upstream is never asked for it.
"""

from __future__ import annotations

import time

import pytest

from suites.offline.offline_checks import assert_served_same_file, devpi_store
from fixtures.upstreams import WAYS
from suites.offline.offline_intranets import PYTHON_LOCAL, cache_expiry


@pytest.mark.promise("O1")
@pytest.mark.parametrize("intranet", WAYS, indirect=True)
@pytest.mark.reads_setting("mirror_cache_expiry", "request_timeout")
def test_a_private_package_fetched_once_is_served_while_the_intranet_is_gone(intranet, pip_client, packages,
                                                                              project_name, figure, watch):
    """The user downloaded a private package while on the intranet, then lost it: pip must get the
    same file (same version, same sha256, from devpi's cache) both soon after (within devpi's cache
    expiry) and long after (the expiry passed, so devpi asks the intranet, fails, and falls back).
    A user learns how long pip takes in each case, per way of being offline."""
    indexes = intranet.fresh_indexes()
    mirror = indexes.clone_of(PYTHON_LOCAL)
    name = project_name("private")
    dist = packages.sdist(name, "1.0.0")
    intranet.upstream.publish(dist)
    watch(intranet.devpi, intranet.upstream, f"{intranet.way} scenario")

    online = pip_client.download(name, index_url=indexes.simple_url)
    assert online.ok, f"[O1] precondition: pip could not download {name} while the intranet was up\n{online}"
    before = online.file(name)
    # Where the file came from is not a precondition: a deployment whose mirror hands pip the intranet's own URL
    # (mirror_use_external_urls) passes this step and breaks O1 below, where the promise is, with devpi's store shown.
    assert before.sha256 == dist.sha256, (
        f"[O1] precondition: pip got {before.filename} (sha256 {before.sha256}) while the intranet was up, not the "
        f"intranet's {dist.filename} (sha256 {dist.sha256})\n{online}")
    store = devpi_store(intranet.devpi, mirror, dist.filename)
    expiry, expiry_source = cache_expiry(intranet.devpi, mirror, intranet.options)
    timeout = intranet.options.request_timeout
    page = rf"/simple/{name}/"
    read_at = intranet.upstream.log.matching(page)[-1].at  # devpi's last read of the page

    with intranet.gone():
        mark = intranet.upstream.log.mark()
        within = pip_client.download(name, index_url=indexes.simple_url)
        within_asked = intranet.upstream.log.matching(page, since=mark)
        fresh = time.monotonic() - read_at < expiry  # False only for a deployment with a very short expiry
        # As if the deployment's expiry had passed since the online download: devpi now asks the intranet.
        indexes.configure(PYTHON_LOCAL, mirror_cache_expiry=0)
        log_from, mark = intranet.devpi.log_size(), intranet.upstream.log.mark()
        after = pip_client.download(name, index_url=indexes.simple_url)
        devpi_said = intranet.devpi.log_tail(400, since=log_from)

    waits_why = (f"pip's own work, plus devpi's request timeout of {timeout} s for the page and pip's self-check"
                 if intranet.waits else "devpi's failure is immediate")
    situation = f"{intranet.gone_means}, {{}} after the online download (cache expiry {expiry} s from {expiry_source})"
    soon = situation.format("within the cache expiry" if fresh else "soon (the expiry had passed already)")
    assert_served_same_file("O1", soon, within, before, bound=intranet.pip_bound(upstream_asked=not fresh),
                            bound_why="devpi answers from its cache and asks nobody" if fresh else waits_why,
                            store=store)
    assert not (fresh and within_asked), (
        f"[O1] {soon}: devpi asked the intranet for {name} although its cached page was fresh: "
        f"{[str(r) for r in within_asked]}\n{within}")
    assert_served_same_file("O1", situation.format("after the cache expiry"), after, before,
                            bound=intranet.pip_bound(upstream_asked=True), bound_why=waits_why, store=store)
    assert "serving stale links" in devpi_said, (
        f"[O1] {situation.format('after the cache expiry')}: devpi served {name} without saying it fell back to its "
        f"cached page ('serving stale links'): it did not ask the intranet, so this scenario proved nothing\n"
        f"--- devpi-server log ---\n{devpi_said}")
    if intranet.way in ("hang", "5xx"):  # the upstream sees these requests; the other ways drop them before
        intranet.upstream.log.assert_requested(page, since=mark)

    figure(f"O1_{intranet.way}_pip_seconds", round(after.seconds, 1),
           f"O1 {intranet.way}: pip got the cached {name} in {within.seconds:.1f} s within the cache expiry and "
           f"{after.seconds:.1f} s after it (devpi --request-timeout {timeout} s)")
