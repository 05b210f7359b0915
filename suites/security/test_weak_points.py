"""X2: the guide's known weak points, each reported as a finding with its evidence and what to change
in the deployment, or as kept where this deployment does not have it.
"""

from __future__ import annotations

import configparser
import ipaddress

import psutil
import pytest

from fixtures.api import DevpiApi


def guide_password_accepted(server) -> bool:  # noqa: ANN001
    api = DevpiApi(server.url)
    try:
        api.login("root", "root")
    except Exception:  # noqa: BLE001  (any refusal means the guide's password is not in use)
        return False
    return True


@pytest.mark.promise("X2")
@pytest.mark.finding("X2-guide-root-password")
def test_root_does_not_keep_the_guides_password(devpi, finding):
    """The guide initialises root with the password `root`, printed in the guide itself."""
    if guide_password_accepted(devpi):
        finding("X2-guide-root-password",
                f"devpi at {devpi.url} accepts root's login with the guide's password 'root': anybody who can reach the "
                "port can change every index. Change it: `devpi-init --root-passwd` from a secret, or `devpi-passwd root` "
                "once, and give configure.sh the new one (DEPLOY_ROOT_PASSWORD).")


@pytest.mark.promise("X2")
@pytest.mark.finding("X2-tokens-die-at-restart")
def test_a_login_survives_a_restart_of_the_service(make_devpi, finding, figure):
    """devpi signs login tokens with a secret; without --secretfile it makes a new one at each start, so
    every login (a `devpi login` in a shell, a CI upload token) dies when the service restarts (at every
    login session, with the guide's launchd job)."""
    server = make_devpi()
    server.api.login("root", server.settings.root_password)
    token = server.api.session.headers["X-Devpi-Auth"]
    server.restart()
    answer = server.api.session.get(server.api.url + "+api", headers={"X-Devpi-Auth": token}, timeout=30).json()
    status = answer["result"].get("authstatus", ["?"])[0]
    figure("X2_token_after_restart", status, f"X2: root's login token after a restart of the service: authstatus {status!r}")
    if status != "ok":
        finding("X2-tokens-die-at-restart",
                f"a login token issued before a restart is {status!r} after it: devpi-server runs without a persistent "
                "secret. Add `--secretfile ${HOME}/.devpi/secret` to the plist's ProgramArguments, and make it where the "
                "plist is written when it is missing (`devpi-gen-secret --secretfile ...`, mode 0600).")


@pytest.mark.promise("X2")
@pytest.mark.finding("X2-listens-beyond-loopback")
def test_the_service_listens_on_loopback_only(devpi, figure, finding):
    """The guide gives no --host: devpi-server's default is localhost. An address of the host's beyond
    loopback (what C2's advice gives a routed container: the bridge's) exposes the service, and its root
    password, to that network: the finding. Every interface at once (`--host 0.0.0.0`, `::`: the LAN, a VPN,
    any network the machine joins later) is no known weak point of the guide but a worse one: X2 fails."""
    wrapper = psutil.Process(devpi.pid)
    addresses = sorted({conn.laddr.ip for proc in [wrapper, *wrapper.children(recursive=True)]
                        for conn in proc.net_connections(kind="inet") if conn.status == psutil.CONN_LISTEN})
    assert addresses, f"[X2] devpi-server (pid {devpi.pid} and children) listens on no address"
    figure("X2_listen_addresses", addresses, f"X2: devpi-server listens on {', '.join(addresses)}")
    everywhere = [a for a in addresses if ipaddress.ip_address(a).is_unspecified]
    assert not everywhere, (
        f"[X2] devpi-server listens on {', '.join(everywhere)}, every interface of the host: reachable from any network "
        f"the machine is on (LAN, VPN, a cafe's), over plain http, by anyone who tries root's password; its command "
        f"line: {' '.join(devpi.settings.program_arguments())}. Bind it to loopback (the guide's default), or to "
        "loopback and the one address a container needs (C2's advice), never 0.0.0.0")
    wide = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
    if wide:
        finding("X2-listens-beyond-loopback",
                f"devpi-server listens on {', '.join(wide)}: reachable from other machines on that network, over plain "
                "http, with the guide's root password. Bind it to loopback (`--host 127.0.0.1` in the plist) unless "
                "containers need more.")


@pytest.mark.promise("X2")
@pytest.mark.finding("X2-plain-http")
def test_clients_talk_to_devpi_over_plain_http(devpi, finding):
    """pip.conf names an http:// index and trusts its host; fine on loopback, where nothing is on the wire,
    not once the URL leaves the machine (a container's host alias crosses a bridge)."""
    config = configparser.ConfigParser()
    config.read(devpi.settings.pip_conf)
    url = config.get("global", "index-url", fallback="")
    trusted = config.get("global", "trusted-host", fallback="")
    if url.startswith("http://"):
        finding("X2-plain-http",
                f"pip.conf reads {url} over plain http with trusted-host = {trusted!r}: anybody on the path can change "
                "what pip installs, hashes included. Keep devpi on loopback for the host's pip; for containers, put TLS "
                "in front (devpi-gen-config's nginx example) or keep the traffic on the host.")


@pytest.mark.promise("X2")
@pytest.mark.finding("X2-public-shadows-private")
def test_a_public_project_with_an_internal_name_wins_over_the_private_one(fresh_local, fake_pypi, fake_artifactory, packages,
                                                                          pip_client, project_name, finding):
    """The guide's own warning: with both upstreams merged, the greatest version wins, so a public
    project that takes an internal name with a greater version replaces the private one."""
    name = project_name("internal")
    fake_artifactory.publish(packages.sdist(name, "1.0.0"))
    fake_pypi.publish(packages.wheel(name, "99.0.0"))
    got = pip_client.resolve(name, index_url=fresh_local.simple_url, args=("--disable-pip-version-check",))
    assert got.ok, f"[X2] pip could not resolve {name}, published on both upstreams\n{got}"
    if got.file(name).served_by == fresh_local.clone_of("root/pypi"):
        finding("X2-public-shadows-private",
                f"a project on PyPI named like an intranet one ({name} 99.0.0 on PyPI, 1.0.0 on the intranet) replaces it "
                "for pip through root/local (dependency confusion). The guide's advice: an org-specific prefix for "
                "internal names (`foo.`), and reserving those names on PyPI.")


# The advice of X2-tokens-die-at-restart as changes to the deployment (script, old text, new text);
# tests/ applies them to a copy and checks the finding is no longer reproduced. The secret is made by the step
# that names it in the plist, when missing: a server directory that came another way (devpi-import, a restore)
# than init.sh still starts.
SECRET_FILE_ADVICE = (
    ("service.sh", 'mkdir -p -- "${DEPLOY_HOME}"\n',
     'mkdir -p -- "${DEPLOY_HOME}"\n[ -e "${DEPLOY_HOME}/secret" ] || '
     '"${DEPLOY_PREFIX}/bin/devpi-gen-secret" --secretfile "${DEPLOY_HOME}/secret"\n'),
    ("service.sh", "<string>${DEPLOY_SERVERDIR}</string>\n",
     "<string>${DEPLOY_SERVERDIR}</string>\n        <string>--secretfile</string>\n"
     "        <string>${DEPLOY_HOME}/secret</string>\n"),
)
