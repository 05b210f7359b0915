"""devpi/devpi#925 "devpi install no results in offline mode" (devpi-server, 2022): offline, pip said
"Could not find a version that satisfies the requirement ... (from versions: none)" for a package devpi
had cached. The maintainer's hypothesis: a connection error of the upstream request was not caught, so
devpi answered no links instead of "serving stale links from the local db". The report was closed
without a fix (the reporter found files missing locally), so no version is known to fix it.

The offline suite covers refusals, hangs, 5xx and dark links; this scenario measures the ways an
upstream breaks in the middle of an answer, and a captive portal's 200 page with no links, after
devpi's cache expiry has passed (so devpi really asks the upstream). devpi's only guard against a 200
page it should not believe is the serial (mirror.py `_async_fetch_releaselinks`: a returned
X-PYPI-LAST-SERIAL below the cached one is an UpstreamError, so stale links are served); an intranet
that sends no serial (-1, as the fake Artifactory) has none, one that sends serials has it."""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import answer, last_serial, reset, stall, truncate

PORTAL = "<html><body><form action='/login'>Sign in to the guest network</form></body></html>"
WAYS = {
    "reset mid-page": lambda: reset(after=40),
    "truncated page": lambda: truncate(0.5),
    "stalled mid-page": lambda: stall(after=40),
    "captive portal 200": lambda: answer(200, headers=[("Content-Type", "text/html")], body=PORTAL),
    "captive portal 200, intranet with serials": lambda: answer(200, headers=[("Content-Type", "text/html")], body=PORTAL),
}


@pytest.mark.promise("O1")
@pytest.mark.finding("O1-portal-page-replaces-cache")
@pytest.mark.parametrize("way", WAYS)
def test_cached_private_package_when_the_intranet_breaks_mid_answer(way, devpi, fresh_local, fake_artifactory,
                                                                      packages, pip_client, project_name, finding):
    name = project_name("private")
    dist = packages.sdist(name, "1.0.0")
    fake_artifactory.publish(dist)
    if way.endswith("with serials"):
        fake_artifactory.misbehave(last_serial(7), project=name)
    online = pip_client.download(name, index_url=fresh_local.simple_url)
    assert online.ok, f"[O1] precondition: pip could not download {name} while the intranet was up\n{online}"
    # As if devpi's cache expiry had passed: it asks the intranet for the page again.
    fresh_local.configure("root/python-local", mirror_cache_expiry=0)

    with fake_artifactory.misbehave(WAYS[way](), project=name):
        mark = fake_artifactory.log.mark()
        offline = pip_client.download(name, index_url=fresh_local.simple_url)
    fake_artifactory.log.assert_requested(rf"/simple/{name}/", since=mark,
                                          msg=f"[O1] {way}: devpi did not ask the intranet, so this proved nothing")

    if not offline.ok and way == "captive portal 200" and "from versions: none" in offline.stderr:
        # Masked or lost? With the intranet then simply broken, devpi falls back to whatever it stored last.
        with fake_artifactory.misbehave(reset(), project=name):
            later = pip_client.download(name, index_url=fresh_local.simple_url)
        lost = "and lost them: with the intranet broken afterwards pip still finds none" if not later.ok else (
            "for as long as the portal answered")
        finding("O1-portal-page-replaces-cache",
                f"a 200 page without links from the intranet's address (a captive portal, a proxy's login page) "
                f"replaced devpi's cached links for {name} {lost}; pip says 'from versions: none'.\n{offline}\n{later}")
    assert offline.ok and offline.file(name).sha256 == dist.sha256, (
        f"[O1] {way}: pip did not get the cached {dist.filename} (sha256 {dist.sha256}); #925's symptom\n{offline}")
