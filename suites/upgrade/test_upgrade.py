"""S4, the guide's Maintenance "To upgrade devpi": `launchctl bootout`, `micromamba update --name devpi
--all`, `launchctl bootstrap`, which the deployment's own upgrade.sh does (the environment updated to
version B with pip). Run with `--upgrade-from A`; B is the version under test (--devpi-server-version,
default the newest).

A server directory is built with A as a user has it (the deployment's indexes, a private file
cached, root logged in), the service running (set up by the guide's deployment/ when the deployment under
test is migrated to devpi 7 and A is a 6: rehearsal.deployment_before); the deployment's upgrade.sh is run
against that service with B (deployment-devpi7's does devpi's export and import itself), and
the service it bootstrapped is checked: the configuration the deployment asked for, the cached
private file served with the intranet gone, root's login. upgrade.sh is what S4 checks: one that exits
non-zero, leaves the service stopped, leaves a service that does not start, or one that starts and has
lost anything, breaks S4. Only where B refuses the old directory with devpi's own message ("Incompatible
state ... database version"), devpi's documented path is rehearsed (devpi-export with A, devpi-import with
B, with and without --include-mirrored-files) and checked the same way. The verdict per (A, B) is a
figure: "in place", "needs export/import" (a finding: the guide's upgrade is not enough) or BROKEN.
"""

from __future__ import annotations

import dataclasses

import pytest

from packaging.version import Version

from fake_upstreams.behaviours import refuse
from fixtures import progress
from fixtures.deployment import STEPS, Deployment, requested_index_config
from fixtures.devpi import DevpiServer, DevpiStartError, NothingLoaded, ScriptFailed
from fixtures.devpi_versions import dialect
from fixtures.export import export_import
from fixtures.installs import install, kept_install
from fixtures.migration import MIGRATED
from fixtures.steps import StepFailed, installed_devpi_server
from suites.upgrade.rehearsal import INDEXES, Before, UpgradeWay, deployment_before, lost_settings, refusal


@pytest.fixture
def upgrade_from(request: pytest.FixtureRequest) -> str:
    version = request.config.getoption("upgrade_from")
    if not version:
        pytest.skip("the upgrade rehearsal needs --upgrade-from VERSION (the devpi-server a user upgrades from)")
    return version


def check(server, before: Before, asked, fake_artifactory, pip_client, way: UpgradeWay) -> None:  # noqa: ANN001
    """What a user relies on after the upgrade; each loss goes into way.problems."""
    way.started = True
    server.api.logout()
    try:
        server.api.login("root", server.settings.root_password)
    except Exception as exc:  # noqa: BLE001  (any refusal is the evidence)
        way.problems.append(f"root can no longer log in with the deployment's password: {exc}")
    after = {}
    for index in INDEXES:
        try:
            after[index] = server.api.index_config(index)
        except Exception as exc:  # noqa: BLE001
            way.problems.append(f"{index} is gone: {exc}")
    way.problems.extend(lost_settings(before.configs, after, asked))
    with fake_artifactory.misbehave(refuse()):
        got = pip_client.download(before.private.name, index_url=server.index_url("root/local"))
    if not got.ok or not got.files:
        way.problems.append(f"the cached {before.private.filename} is not served with the intranet gone")
        way.evidence += f"\n{got}"
    elif got.file(before.private.name).sha256 != before.private.sha256:
        way.problems.append(f"{before.private.filename} is served with other bytes than before the upgrade")
        way.evidence += f"\n{got}"
    status = server.api.session.get(server.api.url + "+api", headers={"X-Devpi-Auth": before.auth_header}, timeout=30)
    way.token_kept = "ok" in str(status.json().get("result", {}).get("authstatus", ""))


def upgrade_in_place(service: DevpiServer, version: str, way: UpgradeWay, deployment: Deployment) -> bool:
    """`deployment`'s upgrade.sh against the running `service`; False where devpi-server B refused the
    old directory with its own message (way.evidence quotes it). Every other way upgrade.sh can end
    short of a running B breaks S4: it is the very step S4 checks."""
    __tracebackhide__ = True
    script = f"the deployment's {STEPS['upgrade'].script} (to devpi-server {version})"
    stopped = failed = start_error = None
    try:
        with progress.phase("install"):  # mostly pip fetching B from the package registry
            service.upgrade(version, deployment=deployment)
    except ScriptFailed as exc:
        failed = exc
    except NothingLoaded as exc:
        stopped = exc
    except DevpiStartError as exc:
        start_error = str(exc)
    if start_error is not None:
        refused = refusal(start_error, version, service.serverdir)
        assert refused, (
            f"[S4] after {script} devpi-server did not start, and not because devpi-server {version} refuses the old "
            f"server directory (its own 'Incompatible state' message, exit status 1): the upgrade broke the service\n"
            f"{start_error[-3000:]}")
        way.refused, way.evidence = refused, start_error[-2000:]
        return False
    assert failed is None, f"[S4] {script} exited with status {failed.status}: the upgrade itself failed\n{failed}"
    assert stopped is None, (
        f"[S4] {script} finished without an error and left the service stopped: the guide's upgrade ends with "
        f"`launchctl bootstrap` of the plist\n{stopped}")
    running = installed_devpi_server(service.settings.prefix)
    assert running == Version(version), (
        f"[S4] precondition: after {STEPS['upgrade'].script} the environment holds devpi-server {running}, not {version}: "
        "nothing was upgraded")
    return True


@pytest.mark.promise("S4")
@pytest.mark.finding("S4-upgrade-needs-export")
def test_the_guides_upgrade_keeps_configuration_cached_files_and_logins(
        upgrade_from, devpi_server_version, deployment, make_devpi, pytestconfig, tmp_path_factory, fake_artifactory,
        packages, project_name, pip_client, figure, finding):
    a, b = upgrade_from, str(devpi_server_version)
    # A's service as its user has it: a deployment migrated to devpi 7 upgrades a service the guide set up on 6.
    before_deployment = deployment_before(deployment, a)
    env = tmp_path_factory.mktemp("upgraded-env") / "prefix"
    install(before_deployment, a, env, tmp_path_factory.mktemp("install-home"))
    home = tmp_path_factory.mktemp("home")
    name = project_name("private")
    dist = packages.sdist(name, "1.0.0")
    fake_artifactory.publish(dist)

    # The deployment's own upgrade: the guide's works in place; a migration's may export and import on the way.
    ways = [UpgradeWay(f"by {deployment.source.name}/upgrade.sh", commands=[
        f"DEPLOY_DEVPI_SERVER_VERSION={b} {deployment.source / STEPS['upgrade'].script}  # launchctl bootout, "
        "the environment updated, launchctl bootstrap"])]
    service = make_devpi(deployment=before_deployment, prefix=env, home=home, own_home=False)
    old_settings = service.settings
    got = pip_client.download(name, index_url=service.index_url("root/local"))
    assert got.ok, f"[S4] precondition: with devpi-server {a} pip could not download {name}\n{got}"
    service.api.login("root", service.settings.root_password)
    before = Before({index: service.api.index_config(index) for index in INDEXES}, got.file(name),
                    service.api.session.headers["X-Devpi-Auth"])
    asked = requested_index_config(before_deployment, ["configure"], old_settings, tmp_path_factory.mktemp("asked"))
    if upgrade_in_place(service, b, ways[0], deployment):
        check(service, before, asked, fake_artifactory, pip_client, ways[0])
    service.stop()  # the export below reads its server directory

    if ways[0].refused:
        a_env = kept_install(before_deployment, a, pytestconfig, tmp_path_factory.mktemp("install-home"))
        for mirrored in (False, True):
            way = UpgradeWay("export/import" + (" with mirrored files" if mirrored else ""))
            ways.append(way)
            new_home = tmp_path_factory.mktemp("home")
            try:
                way.commands = export_import(a_env, env, old_settings, dataclasses.replace(old_settings, home=new_home),
                                             tmp_path_factory.mktemp("dump") / "dump", mirrored=mirrored)
                new = make_devpi(prefix=env, home=new_home, own_home=False, set_up=False)
                check(new, before, asked, fake_artifactory, pip_client, way)
                new.stop()
            except (StepFailed, RuntimeError) as exc:
                way.evidence = str(exc)[-2000:]

    for way in ways:
        state = ("kept everything" if way.kept_everything else f"lost: {'; '.join(way.problems)}" if way.started else
                 f"refused: {way.refused}" if way.refused else "did not start")
        token = {True: "; root's login token still valid", False: "; root's login token no longer valid", None: ""}
        key = "upgrade_sh" if way is ways[0] else way.way.replace(" ", "_")
        figure(f"S4_{a}_to_{b}_{key}", way.kept_everything,
               f"S4 {a} -> {b}, {way.way}: {state}{token[way.token_kept]}")
    summary = "\n".join(f"- {w.way}: {'kept everything' if w.kept_everything else 'FAILED'}\n  evidence: {w.evidence.strip()[:1500]}"
                        for w in ways)
    if not ways[0].refused:
        # devpi-server B runs on the old directory: whatever it lost, upgrade.sh lost (it re-initialised,
        # moved or rewrote something), not devpi's database format.
        assert ways[0].kept_everything, (
            f"[S4] after the deployment's {STEPS['upgrade'].script} devpi-server {b} runs on the server directory of {a} and "
            f"has lost: {'; '.join(ways[0].problems)}\n{summary}")
        return
    working = [w for w in ways if w.kept_everything]
    assert working, (f"[S4] upgrading the deployment from devpi-server {a} to {b} keeps nothing whole, in place or by "
                     f"export/import:\n{summary}")
    migrated = f" (what {MIGRATED.name}/upgrade.sh runs)" if dialect(b).renamed else ""
    finding("S4-upgrade-needs-export",
            f"the guide's upgrade (upgrade.sh: bootout, update the environment, bootstrap) from devpi-server {a} to {b} does not keep "
            f"the server directory: devpi-server {b} refuses it ({ways[0].refused}); devpi's export/import does "
            f"({working[0].way}). What a user must run instead{migrated}:\n    " + "\n    ".join(working[0].commands) + f"\n{summary}")
