"""S5: the guide's first check that the service is up is a person opening http://localhost:3141/ in a
browser ("If you see a devpi page, then so far so good"). Headless chromium opens the session's devpi
at the URL the deployment's files name; the screenshot is kept in the test's tmp folder and named in the
figure and in any failure.

devpi's web pages are devpi-web's, a plug-in the guide does not install (`micromamba create ...
devpi-client devpi-server python`): devpi-server alone answers a browser with its JSON."""

from __future__ import annotations

import html
import json
import re

import pytest


def json_shown(dom: str) -> dict | None:
    """The JSON document chromium shows as text (its viewer wraps a JSON answer in <pre>), or None."""
    match = re.search(r"<pre[^>]*>(.*?)</pre>", dom, re.S)
    if not match:
        return None
    try:
        answer = json.loads(html.unescape(match[1]))
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


GUIDE_INDEXES = ("local", "python-local", "pypi")  # root's, after the guide's configuration


def root_indexes(answer: dict) -> dict:
    """root's guide indexes in devpi-server's answer at its URL (type list:userconfig), each as configured."""
    result = answer.get("result")
    root = result.get("root") if isinstance(result, dict) else None
    indexes = root.get("indexes") if isinstance(root, dict) else None
    return {name: indexes.get(name) for name in GUIDE_INDEXES} if isinstance(indexes, dict) else {}


@pytest.mark.promise("S5")
@pytest.mark.finding("S5-no-web-page")
def test_a_browser_at_the_services_url_shows_devpi(devpi, chromium, tmp_path, finding, figure):
    visit = chromium.visit(devpi.url, tmp_path / "browser")

    assert not visit.leftovers, f"[S5] chromium left processes behind (killed now): {visit.leftovers}\n{visit}"
    assert visit.returncode == 0 and visit.screenshot.is_file(), f"[S5] chromium could not show {devpi.url}\n{visit}"
    indexes = ("root", *GUIDE_INDEXES)
    assert all(re.search(rf"\b{re.escape(name)}\b", visit.text) for name in indexes), (
        f"[S5] the page at {devpi.url} does not show devpi's user root and its indexes {indexes}: a person would think the "
        f"service is not up (screenshot {visit.screenshot})\n{visit}")
    answer = json_shown(visit.dom)
    if answer is None:
        figure("S5_browser_page", "web page", f"S5 a browser at {devpi.url} shows devpi's web page (screenshot {visit.screenshot})")
        return
    # The JSON is the finding only if it is this devpi's own answer at its URL: root's indexes as the deployment
    # configured them, not another devpi's (an old install still holding the port where the browser goes).
    own = devpi.api.session.get(devpi.url, headers={"Accept": "application/json"}, timeout=30).json()
    shown, configured = root_indexes(answer), root_indexes(own)
    assert answer.get("type") == "list:userconfig" and shown and shown == configured, (
        f"[S5] a browser at {devpi.url} shows JSON that is not this devpi-server's answer there: root's indexes "
        f"{shown} where devpi-server answers the suite with {configured} (screenshot {visit.screenshot})\n{visit}")
    figure("S5_browser_page", "json", f"S5 a browser at {devpi.url} shows devpi-server's JSON ({answer.get('type')!r}), "
                                      f"no web page (screenshot {visit.screenshot})")
    finding("S5-no-web-page",
            f"a browser at {devpi.url} shows devpi-server's JSON answer of type {answer.get('type')!r} (root's indexes as "
            f"text; screenshot {visit.screenshot}), not a devpi web page: the guide installs devpi-server without devpi-web. "
            "The service is up, but a person following the guide may not recognise it. Install devpi-web in the same "
            "environment (`micromamba create --name devpi -- devpi-client devpi-server devpi-web python`; it adds the web "
            "pages and `pip search`), or tell the reader to expect JSON there.")
