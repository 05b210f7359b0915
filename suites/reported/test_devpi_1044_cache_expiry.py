"""devpi/devpi#1044 "devpi-server not respecting --mirror-cache-expiry argument" (2024): with
--mirror-cache-expiry 43200 "the server continues to check pypi.org for updates instead of waiting for
the specified cache expiry time"; its log shows a `304 Not Modified` from pypi.org at every install.
Fixed in devpi-server 6.12.1: "Correctly update cache expiry time when mirrored server returns 304 Not
Modified." Here the deployment's devpi-server gets the same argument, and the intranet answers with an
ETag and 304 as pypi.org does. A deployment that sets root/python-local's own mirror_cache_expiry (the suite's
advice) is checked under that one, devpi's own choice over the server-wide option."""

from __future__ import annotations

import time

import pytest

from fake_upstreams.behaviours import etag
from fixtures.effective import not_applicable

EXPIRY = 15  # seconds: room for two pip runs on a loaded machine, short enough to wait out once
LONGEST = 60  # seconds: the longest expiry of root/python-local's own this scenario waits out


@pytest.mark.promise("O4")
@pytest.mark.devpi_versions(">=6.12.1")
@pytest.mark.reads_setting("mirror_cache_expiry")
@pytest.mark.runs_long
def test_a_304_from_the_intranet_starts_a_new_cache_expiry(deployment, make_devpi, fake_artifactory, packages,
                                                           pip_client, project_name, tmp_path, figure, effective_setting,
                                                           devpi_server_version):
    copy = deployment.copy_with_server_options(tmp_path / "deployment", "--mirror-cache-expiry", str(EXPIRY),
                                               version=devpi_server_version)
    name = project_name("etagged")
    # Published before the server is set up (make_devpi says why).
    fake_artifactory.publish(packages.sdist(name, "1.0"))
    server = make_devpi(deployment=copy.source)
    index_url = server.index_url("root/local")
    setting = effective_setting("root/python-local", "mirror_cache_expiry", server=server)
    expiry = int(setting.value)
    if not EXPIRY <= expiry <= LONGEST:
        not_applicable(setting, f"root/python-local's own expiry wins over --mirror-cache-expiry; this scenario waits "
                                f"out one of {EXPIRY}-{LONGEST} s, with room for two pip runs within it")
    page = rf"/simple/{name}/$"
    fake_artifactory.misbehave(etag(), project=name)
    first = pip_client.download(name, index_url=index_url)
    assert first.ok, f"[O4] precondition: pip could not download {name}\n{first}"
    time.sleep(max(0.0, expiry + 1 - (time.monotonic() - fake_artifactory.log.matching(page)[-1].at)))

    revalidated = pip_client.download(name, index_url=index_url)
    not_modified = [r for r in fake_artifactory.log.matching(page) if r.status == 304]
    assert revalidated.ok and not_modified, (
        f"[O4] precondition: after the expiry devpi did not revalidate {name} with a 304\n{revalidated}\n"
        f"intranet saw:\n{fake_artifactory.log.render()}")
    mark = fake_artifactory.log.mark()
    again = pip_client.download(name, index_url=index_url)
    since_304 = time.monotonic() - not_modified[-1].at
    assert again.ok and since_304 < expiry, f"[O4] precondition: the third pip run ended after the expiry\n{again}"
    asked = fake_artifactory.log.matching(page, since=mark)
    assert not asked, (f"[O4] devpi asked the intranet for {name} again within {since_304:.1f} s of a 304, under "
                       f"{setting}: {[str(r) for r in asked]} (#1044)")
    figure("reported_1044_expiry_seconds", expiry, f"#1044: no request within {expiry} s of a 304 Not Modified")
