"""A running devpi, as the deployment set it up: read-only checks that need no fake upstream.

`pytest --live-url http://localhost:3141/` (the user's own service, or a staging server); set the
deployment's DEPLOY_* variables as the service was set up with them (e.g. DEPLOY_ARTIFACTORY_URL)
and --live-home for a home other than $HOME.
"""

from __future__ import annotations

import configparser
import plistlib
import re
from urllib.parse import unquote, urlsplit

import pytest
from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from fixtures.clients import index_versions
from fixtures.deployment import PLIST_NAME, config_mismatches, requested_index_config
from fixtures.pages import links


def same_server(url: str, other: str) -> bool:
    """localhost and 127.0.0.1 are the same server; the scheme and port must agree."""
    a, b = urlsplit(url), urlsplit(other)
    local = {"localhost", "127.0.0.1", "::1"}
    hosts_agree = a.hostname == b.hostname or {a.hostname, b.hostname} <= local
    return hosts_agree and (a.scheme, a.port) == (b.scheme, b.port)


INDEXES = [  # each index's settings carry the promises that rest on them
    pytest.param("root/local", marks=pytest.mark.promise("R1", "R2"), id="local"),
    pytest.param("root/pypi", marks=pytest.mark.promise("P1"), id="pypi"),
    pytest.param("root/python-local", marks=pytest.mark.promise("P2", "O1"), id="python-local"),
]


@pytest.mark.parametrize("index", INDEXES)
def test_the_index_is_configured_as_the_deployment_says(index, live_api, live_settings, deployment, tmp_path):
    """Types, bases and their order, mirror URLs, which mirror passes through and which caches: what
    the deployment's configure step asks for is what the server reports."""
    asked = requested_index_config(deployment, ["configure"], live_settings, tmp_path)
    promise = {"root/local": "R1", "root/pypi": "P1"}.get(index, "P2")
    # Nothing asked, nothing compared: a pass would say the index is as the deployment wants without a look.
    assert asked.get(index), (f"[{promise}] nothing to compare: {deployment.source}/configure.sh asks nothing of {index} "
                              f"(it sets: {', '.join(sorted(asked)) or 'no index at all'}), so its configuration on "
                              f"{live_api.url} cannot be checked against the deployment")
    problems = config_mismatches({index: asked[index]}, live_api.index_config_raw, live_api.dialect)
    assert not problems, (f"[{promise}] {index} on {live_api.url} is not configured as {deployment.source}/configure.sh "
                          f"says: " + "; ".join(problems))


FROM = {"public": ("R1", "root/pypi"), "private": ("R2", "root/python-local")}  # the promise, the index behind root/local


def version_of(filename: str) -> Version | None:
    try:
        return parse_wheel_filename(filename)[1]
    except InvalidWheelFilename:
        pass
    try:
        return parse_sdist_filename(filename)[1]
    except InvalidSdistFilename:
        return None


def links_by_index(page_url: str, html: str) -> dict[str, list[str]]:
    """index (root/pypi, root/python-local...) -> the files root/local's simple page links from it, read from
    the links' devpi paths (/USER/INDEX/+f/ or +e/)."""
    found: dict[str, list[str]] = {}
    for link in links(html, page_url):
        url = unquote(link.url)
        match = re.search(r"://[^/]+/([^/+]+/[^/+]+)/\+[ef]/", url)
        found.setdefault(match[1] if match else url, []).append(url.rsplit("/", 1)[-1])
    return found


@pytest.mark.parametrize("which", [pytest.param(which, marks=pytest.mark.promise(promise), id=which)
                                   for which, (promise, _) in FROM.items()])
def test_a_named_package_resolves_through_root_local(which, live_url, live_api, live_pip, pytestconfig):
    """pip sees versions of the named public (PyPI) and private (intranet) project through root/local,
    reading the simple page only (nothing is downloaded, so nothing new is cached); root/local's page links
    them from the index behind it that should have them (root/pypi, root/python-local), and the private
    project's version given with --live-private-version is among them."""
    name = pytestconfig.getoption(f"live_{which}")
    promise, source = FROM[which]
    index = f"{live_url}root/local/+simple/"
    versions, run = index_versions(live_pip, name, index)
    assert run.ok and versions, f"[{promise}] pip finds no version of the {which} project {name} through {index}\n{run}"

    status, page = live_api.simple_page("root/local", name)
    page_url = f"{index}{name}/"
    served = links_by_index(page_url, page)
    from_source = {version_of(f) for f in served.get(source, [])}
    listing = "; ".join(f"{where}: {', '.join(sorted(files))}" for where, files in sorted(served.items())) or "no links"
    assert from_source, (f"[{promise}] pip sees {name} {', '.join(versions)} through root/local, but none of it comes from "
                         f"{source}: root/local's page ({page_url}, {status}) links {listing}")
    expected = pytestconfig.getoption("live_private_version") if which == "private" else ""
    if expected:
        assert Version(expected) in {Version(v) for v in versions} and Version(expected) in from_source, (
            f"[{promise}] the intranet's {name} {expected} (--live-private-version) is not served through root/local from "
            f"{source}: pip sees {', '.join(versions)}; root/local's page links {listing}")


@pytest.mark.promise("S3")
def test_the_plist_runs_the_wrapper_on_the_servers_port_and_an_existing_server_directory(live_url, live_home):
    plist = live_home / "Library" / "LaunchAgents" / PLIST_NAME
    if not plist.exists():
        pytest.skip(f"no launchd plist at {plist} (pass --live-home)")
    arguments = plistlib.loads(plist.read_bytes())["ProgramArguments"]
    port = arguments[arguments.index("--port") + 1] if "--port" in arguments else "3141"
    assert port == str(urlsplit(live_url).port), f"[S3] {plist} starts devpi-server on port {port}, the server is {live_url}"
    wrapper, serverdir = arguments[0], arguments[arguments.index("--serverdir") + 1]
    assert (live_home / wrapper).exists(), f"[S3] {plist} runs {wrapper}, which does not exist"
    assert (live_home / serverdir).is_dir(), f"[S3] {plist} names the server directory {serverdir}, which does not exist"


CLIENT_FILES = {  # file under the home, section, key: each points pip-like clients at root/local
    "pip.conf": ("Library/Application Support/pip/pip.conf", "global", "index-url"),
    ".pydistutils.cfg": (".pydistutils.cfg", "easy_install", "index_url"),
    "buildout default.cfg": (".buildout/default.cfg", "buildout", "index"),
}


@pytest.mark.promise("C3")
@pytest.mark.parametrize("client_file", CLIENT_FILES)
def test_the_client_configuration_points_at_this_servers_root_local(client_file, live_url, live_home):
    path, section, key = CLIENT_FILES[client_file]
    config_path = live_home / path
    if not config_path.exists():
        pytest.skip(f"no {client_file} at {config_path} (pass --live-home)")
    config = configparser.ConfigParser()
    config.read(config_path)
    url = config.get(section, key, fallback="")
    wanted = f"{live_url}root/local/+simple/"
    assert url.endswith("/root/local/+simple/") and same_server(url, live_url), (
        f"[C3] {config_path} [{section}] {key} = {url!r}; the server's root/local is {wanted}")
