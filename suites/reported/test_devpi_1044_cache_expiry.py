"""devpi/devpi#1044 "devpi-server not respecting --mirror-cache-expiry argument" (2024): with
--mirror-cache-expiry 43200 "the server continues to check pypi.org for updates instead of waiting for
the specified cache expiry time"; its log shows a `304 Not Modified` from pypi.org at every install.
Fixed in devpi-server 6.12.1: "Correctly update cache expiry time when mirrored server returns 304 Not
Modified." The intranet here answers with an ETag and 304, as pypi.org does."""

from __future__ import annotations

import math
import time

import pytest

from fake_upstreams.behaviours import etag


@pytest.mark.promise("O4")
@pytest.mark.devpi_versions(">=6.12.1")
def test_a_304_from_the_intranet_starts_a_new_cache_expiry(devpi, fresh_local, fake_artifactory, packages,
                                                           pip_client, project_name, figure):
    name, mirror = project_name("etagged"), fresh_local.clone_of("root/python-local")
    fake_artifactory.publish(packages.sdist(name, "1.0"))
    page = rf"/simple/{name}/$"
    fake_artifactory.misbehave(etag(), project=name)
    first = pip_client.download(name, index_url=fresh_local.simple_url)
    assert first.ok, f"[O4] precondition: pip could not download {name}\n{first}"
    # Long enough for one pip run to fit in it twice over, short enough to pass during the test.
    expiry = max(5, math.ceil(3 * first.seconds))
    devpi.api.set_index_options(mirror, mirror_cache_expiry=expiry)
    time.sleep(max(0.0, expiry + 1 - (time.monotonic() - fake_artifactory.log.matching(page)[-1].at)))

    revalidated = pip_client.download(name, index_url=fresh_local.simple_url)
    not_modified = [r for r in fake_artifactory.log.matching(page) if r.status == 304]
    assert revalidated.ok and not_modified, (
        f"[O4] precondition: after the expiry devpi did not revalidate {name} with a 304\n{revalidated}\n"
        f"intranet saw:\n{fake_artifactory.log.render()}")
    mark = fake_artifactory.log.mark()
    again = pip_client.download(name, index_url=fresh_local.simple_url)
    within = time.monotonic() - not_modified[-1].at < expiry
    asked = fake_artifactory.log.matching(page, since=mark)
    assert again.ok and within, f"[O4] precondition: the third pip run ended after the {expiry} s expiry\n{again}"
    assert not asked, (f"[O4] devpi asked the intranet for {name} again {time.monotonic() - not_modified[-1].at:.1f} s "
                       f"after a 304, within mirror_cache_expiry={expiry}: {[str(r) for r in asked]} (#1044)")
    figure("reported_1044_expiry_seconds", expiry, f"#1044: no request within {expiry} s of a 304 Not Modified")
