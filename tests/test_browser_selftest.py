"""S5 judges what a person's browser meets at the service's URL: on a machine where another program holds
the service's port at the IPv6 loopback (tests/ipv6_squatter.py), a browser's `localhost` goes there and
S5 must be BROKEN, whether that program shows a page of its own or an older devpi-server's JSON (which the
S5-no-web-page finding must not take for this devpi's). The same scenario's finding on the bundled
deployment is checked by every run of suites/clients."""

from __future__ import annotations

import re

import pytest

from fixtures import apt, browser
from fixtures.deployment import BUNDLED

pytestmark = pytest.mark.selftest

BROWSER = "suites/clients/test_browser.py"


@pytest.mark.breaks("S5")
@pytest.mark.parametrize(("squatter", "because"), [
    ("page", r"\[S5\] the page at \S+ does not show devpi's user root and its indexes"),
    ("old-devpi", r"\[S5\] a browser at \S+ shows JSON that is not this devpi-server's answer there"),
], ids=["a page of its own", "an older devpi's JSON"])
def test_a_browser_meeting_another_program_at_the_services_url_breaks_s5(squatter, because, run_suite):
    if apt.missing([browser.PROGRAM]):
        pytest.skip("chromium is not installed: the S5 scenario would skip")
    result = run_suite(BUNDLED, "-p", "tests.ipv6_squatter", "--squatter", squatter, BROWSER, "--promise", "S5")

    assert result.returncode == 1 and result.verdicts == {"S5": "BROKEN"}, (
        f"a browser at the service's URL meets another program ({squatter}): S5 should be BROKEN\n{result}")
    assert re.search(because, result.output), result
    assert result.finding_status("S5-no-web-page") != "reproduced", result
