"""What the offline suite advises in its findings, as changes to the deployment's scripts.

`ADVICE` names each advised change as (script, old text, new text), the form
`Deployment.copy_with` applies: the self-tests (tests/test_vpn_selftest.py) apply each one to a copy of
the deployment and run the scenarios it is meant to improve, and a catalogue of legitimate
deployment changes imports it (`from suites.offline.offline_advice import ADVICE`).
`SAYS` is the sentence a finding message gives for each, trade-offs included. The python-local
changes insert a line after `type=mirror`, so any of them can be applied together.
"""

from __future__ import annotations

from fixtures.deployment import server_options_change

REQUEST_TIMEOUT = 2  # seconds: the advised --request-timeout (devpi's default is 5)
SHORT_EXPIRY = 30  # seconds: an advised mirror_cache_expiry, under the default --o7-threshold of 60 s

_PYTHON_LOCAL = "  type=mirror \\\n"  # configure.sh's `devpi index -c python-local` line before volatile=False
_PYPI = "devpi index pypi mirror_use_external_urls=True "  # configure.sh's root/pypi line


def _python_local(option: str) -> tuple[str, str, str]:
    return ("configure.sh", _PYTHON_LOCAL, f"{_PYTHON_LOCAL}  {option} \\\n")


ADVICE: dict[str, tuple[str, str, str]] = {
    # O6: every wait on an unreachable intranet lasts at most this long.
    "request-timeout": server_options_change("--request-timeout", str(REQUEST_TIMEOUT)),
    # O7 (intranet): devpi asks the intranet for a name it does not know instead of trusting an old project list.
    "python-local-no-project-list": _python_local("mirror_no_project_list=True"),
    # O7 (intranet): devpi reads the intranet's project list again after SHORT_EXPIRY s.
    "python-local-short-expiry": _python_local(f"mirror_cache_expiry={SHORT_EXPIRY}"),
    # O7 (PyPI): devpi reads PyPI's project list again after SHORT_EXPIRY s.
    "pypi-short-expiry": ("configure.sh", _PYPI, f"{_PYPI}mirror_cache_expiry={SHORT_EXPIRY} "),
}

SAYS = {
    "request-timeout": (
        f"add `<string>--request-timeout</string>` `<string>{REQUEST_TIMEOUT}</string>` after the serverdir in the "
        f"launchd plist's ProgramArguments (service.sh; or DEVPISERVER_REQUEST_TIMEOUT={REQUEST_TIMEOUT} in the service's "
        f"environment): every wait on an unreachable intranet then lasts at most {REQUEST_TIMEOUT} s instead of devpi's "
        f"default 5 s. Trade-off: the same timeout bounds devpi's reads of pypi.org's project list (several MB); on a "
        f"link too slow to read it within that time devpi logs \"serving stale projects for 'pypi'\" and PyPI projects it "
        f"never served are not found (R1)"),
    "python-local-no-project-list": (
        "set mirror_no_project_list=True on root/python-local (configure.sh, `devpi index -c python-local ...`): devpi "
        "then asks the intranet for the page of a name it does not know, so a new private project is installable at "
        "once. Trade-offs: a name somebody asked for before it existed stays 'not found' for the cache expiry (devpi "
        "remembers the 404) until POST root/python-local/+simple/<name>/refresh; off the VPN, every public name devpi "
        "has not looked up within the cache expiry costs one request timeout (O6), as the expired list does"),
    "python-local-short-expiry": (
        f"set mirror_cache_expiry={SHORT_EXPIRY} on root/python-local (configure.sh): devpi reads the intranet's project "
        f"list again {SHORT_EXPIRY} s after the last read. Trade-off: off the VPN the list expires {SHORT_EXPIRY} s after "
        f"the last read on it, and from then on every lookup waits devpi's request timeout (O6)"),
    "pypi-short-expiry": (
        f"set mirror_cache_expiry={SHORT_EXPIRY} on root/pypi (configure.sh, `devpi index pypi ...`): devpi reads PyPI's "
        f"project list again {SHORT_EXPIRY} s after the last read. Trade-off: pypi.org's list is several MB, read "
        f"again every {SHORT_EXPIRY} s while pip is in use. Not advised: mirror_no_project_list=True on root/pypi, "
        f"which would send every private name to PyPI (the dependency-confusion hazard the guide warns about)"),
}

# Not a change to the deployment, so not in ADVICE: a user in a hurry asks devpi to read one project again.
REFRESH = ("POST <mirror>/+simple/<name>/refresh (anyone may; the web page's \"Refresh\" button) on the mirror index "
           "that holds the project: installable at once (the same POST on root/local answers 500 in this set-up: the "
           "base that lacks the name fails the refresh)")
