"""O6: while the intranet is unreachable — refused, black-holed, its name no longer resolving, 5xx —
public packages still install through root/local well within pip's default timeout; the suite states
what each way of being off the VPN adds to a user's pip run.

Why an intranet outage touches public packages at all (devpi-server 6.20, devpi_server/ of the
installed release): root/local's bases are root/python-local then root/pypi, and for every project
pip asks for, `numpy` included, root/local first asks root/python-local whether it has it
(model.py `op_sro_check_mirror_whitelist` → mirror.py `has_project_perstage`). That answer comes from
devpi's copy of the intranet's whole project list (`_list_projects_perstage`):
- within `mirror_cache_expiry` (the index's, else --mirror-cache-expiry, 1800 s) since devpi last read
  the list, from memory: no cost at all, whatever state the intranet is in;
- after it, or when devpi never read it (first contact; also after every restart of the service: the
  list lives in memory only, `cache_projectnames`), devpi asks the intranet for the list
  (`_update_projects`) and waits at most --request-timeout (`run_coroutine_threadsafe(...,
  timeout=request_timeout)`; config.py DEFAULT_REQUEST_TIMEOUT = 5). Refused, 5xx and an unresolvable
  name fail at once; a server that never answers and a black-holed link cost the full timeout. devpi
  then treats the name as unknown, skips root/python-local and serves root/pypi's page.
- A failed read does not renew the list, so once expired every lookup of every pip run pays again:
  one for pip's own self-version check (`pip`), one per requirement.
- With mirror_no_project_list=True on root/python-local (advice of O7) devpi never reads the list: it
  asks the intranet for the page of each name it has not looked up within the cache expiry
  (`get_simplelinks_perstage`), remembers a 404 for the expiry, and a failure costs the same wait. The
  scenarios measure whatever this configuration makes devpi do, and state it.

The setting that bounds the cost is devpi-server's --request-timeout (CHANGELOG 4.6.0: "add
--request-timeout option"; "fix #549: reduce timeout for requests to PyPI etc from 30 to 5 seconds.
This can be changed with the --request-timeout option"). CHANGELOG 5.2.0 says the project list gets a
minimum of 30 s, but since 6.17 ("fetch projects list asynchronously") a lookup passes the request
timeout itself (`has_project_perstage` → `_list_projects_perstage(timeout=self.timeout)`), as the log
says: "serving stale projects for 'python-local', getting data timed out after 5 seconds".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures.catalogue import PUBLIC_PROJECT
from suites.offline.offline_advice import ADVICE, REQUEST_TIMEOUT, SAYS
from suites.offline.offline_checks import assert_public_installed
from fixtures.upstreams import WAYS, session_way
from suites.offline.offline_intranets import PYTHON_LOCAL, devpi_asked, server_options
from suites.offline.offline_latency import BATCH, BATCH_SIZE, EXPIRED, FIRST_CONTACT, GUIDE_ARGS, TEN, Latency, measure, pip_published, publish_batch

ALLOWANCE = 1.5  # seconds of pip's and devpi's own jitter on a loaded 2-core machine


@pytest.fixture(scope="module")
def pip_on_pypi(fake_pypi, packages) -> Iterator[None]:  # noqa: ANN001
    with pip_published(fake_pypi, packages):
        yield


@pytest.fixture
def public_batch(fake_pypi, packages, project_name) -> list[str]:  # noqa: ANN001
    return publish_batch(fake_pypi, packages, [project_name("public") for _ in range(BATCH_SIZE)])


def report(latency: Latency, figure, record_property, prefix: str) -> None:  # noqa: ANN001
    way, options = latency.intranet.way, latency.intranet.options
    for run in latency.runs:
        key = f"{prefix}_{run.label.replace(' ', '_').replace(',', '')}"
        record_property(f"{key}_added_seconds", round(run.added, 2))
        record_property(f"{key}_devpi_waits", run.asked.waits)
    worst = latency.worst
    figure(f"{prefix}_worst_added_seconds", round(worst.added, 1),
           f"O6 {way} (devpi --request-timeout {options.request_timeout} s, cache expiry {latency.expiry} s; "
           f"{latency.mechanism}): {latency.summary()}")
    figure(f"{prefix}_ten_packages_added_seconds", round(latency.ten_packages, 1),
           f"O6 {way}: a {TEN}-package pip run after the cache expiry adds about {latency.ten_packages:.1f} s (derived from "
           f"the single run, {latency.run(EXPIRED).added:+.1f} s, and the {BATCH_SIZE}-package run, "
           f"{latency.run(BATCH).added:+.1f} s)")


def cost_explained(latency: Latency) -> str:
    """Why the runs cost what they cost, from what devpi did in the run after the cache expiry."""
    asked = latency.run(EXPIRED).asked
    timeout = latency.intranet.options.request_timeout
    if asked.waits:
        return (f"devpi waits its --request-timeout ({timeout} s) each time it asks the unreachable intranet about a "
                f"name once what it knows has expired ({latency.mechanism}): one for pip's self-check, one per project; "
                f"after the cache expiry {asked}.")
    return (f"after the cache expiry {asked}, so devpi's part is not a wait on the intranet; the time is devpi's and "
            f"pip's own work (a loaded machine?).")


@pytest.mark.promise("O6")
@pytest.mark.finding("O6-latency-off-vpn")
@pytest.mark.usefixtures("pip_on_pypi")
@pytest.mark.parametrize("intranet", WAYS, indirect=True)
@pytest.mark.reads_setting("mirror_cache_expiry", "mirror_no_project_list", "request_timeout")
def test_public_packages_install_promptly_while_the_intranet_is_gone(intranet, pip_client, fake_pypi, public_batch,
                                                                    request, figure, record_property, watch, finding):
    """The guide: "Even if the intranet is not available, the result is the same: numpy is not found"
    on root/python-local, and numpy comes from PyPI. A user off the VPN runs the guide's
    `pip --no-cache-dir download --no-deps --prefer-binary -- numpy` (pip's self-version check on, as
    for anyone who did not disable it): at the first-ever contact, soon after being on the VPN (within
    the cache expiry), later that day (after it; the test sets mirror_cache_expiry=0 on its clones of
    root/python-local to get there without waiting 30 min), once more, and with several public packages
    in one run. Every run must succeed with PyPI's files and no page may keep pip waiting its default
    15 s, whatever devpi does about the intranet under this configuration (reads its project list, asks
    for a project's page, or nothing); the seconds each run adds to the same run on the VPN, and what
    devpi did, are the figures a user learns.

    Measured on devpi-server 6.20.3: refused, 5xx and a name that no longer resolves add nothing
    noticeable (here the name fails at once, locally; a resolver that itself gets no answer off the
    VPN costs like a black hole, since devpi's wait is bounded as a whole by
    `run_coroutine_threadsafe(timeout=request_timeout)`, whatever the cause); a server that never
    answers and a black-holed link add one --request-timeout (5 s) per project pip asks for, plus one
    for pip's self-check: ~10 s per single-package run and ~55 s for ten packages, at every run once
    what devpi knows has expired. Above the --o6-threshold (default 2 s per run) that is reported as a
    finding with the advice (offline_advice.SAYS["request-timeout"]; shown by
    test_a_shorter_request_timeout_bounds_the_latency and by a self-test on a copy of the deployment)."""
    watch(intranet.devpi, intranet.upstream, f"{intranet.way} scenario")
    watch(intranet.devpi, fake_pypi, f"{intranet.way} scenario")
    latency = measure(intranet, pip_client, public_batch)
    situation = intranet.gone_means
    for run in latency.runs:
        assert_public_installed(run, fake_pypi, situation)
    report(latency, figure, record_property, f"O6_{intranet.way}")

    limit = float(request.config.getoption("o6_threshold"))
    worst = latency.worst
    if worst.added > limit:
        advice = f" advice: {SAYS['request-timeout']}" if latency.run(EXPIRED).asked.waits else ""
        finding(
            "O6-latency-off-vpn", f"{situation}: a user's pip run through root/local takes up to {worst.added:.1f} s longer "
            f"than on the VPN ({worst.label}: {worst.seconds:.1f} s; threshold {limit:.1f} s). Measured: "
            f"{latency.summary()}. {cost_explained(latency)}{advice}")


@pytest.mark.promise("O6")
@pytest.mark.usefixtures("pip_on_pypi")
@pytest.mark.reads_setting("mirror_cache_expiry", "mirror_no_project_list", "request_timeout")
@pytest.mark.runs_long
def test_a_shorter_request_timeout_bounds_the_latency(request, deployment, make_devpi, fake_pypi, pip_client,
                                                      public_batch, tmp_path, figure, record_property, watch):
    """The advice, shown: a copy of the deployment with the advised change (offline_advice.ADVICE
    ["request-timeout"]: `--request-timeout 2` in the plist's ProgramArguments; devpi-server --help:
    "Number of seconds before request being terminated (such as connections to pypi, etc.)") loses its
    intranet the hard way (the server accepts and never answers). Every run still succeeds, and each
    costs at most the advised seconds per wait that devpi's log shows, where the deployment's own
    setting costs its timeout per wait (a reference run on the session's devpi): the figure moves with
    --request-timeout as devpi documents it, whatever devpi asks the intranet for under this
    configuration. The trade-off (the same timeout bounds devpi's reads of pypi.org's project list)
    is in the advice's text."""
    copy = deployment.copy_with(tmp_path / "deployment-request-timeout", ADVICE["request-timeout"])
    server = make_devpi(deployment=copy.source)
    assert server_options(server).request_timeout == REQUEST_TIMEOUT, (
        f"[O6] precondition: devpi-server of {copy.source} does not run with --request-timeout {REQUEST_TIMEOUT}: "
        f"{server.settings.program_arguments()}")
    shorter = session_way(request, "hang", devpi=server)
    reference = session_way(request, "hang")  # the session's devpi: the deployment's own setting
    watch(server, shorter.upstream, f"copy with --request-timeout {REQUEST_TIMEOUT}")
    watch(reference.devpi, reference.upstream, "the session's devpi, the deployment's own setting")

    # The reference: one run after the cache expiry on the deployment's own setting.
    indexes = reference.fresh_indexes()
    online = pip_client.download(PUBLIC_PROJECT, index_url=indexes.simple_url, args=GUIDE_ARGS)
    assert online.ok, f"[O6] precondition: pip failed with the intranet up\n{online}"
    indexes.configure(PYTHON_LOCAL, mirror_cache_expiry=0)
    since = reference.devpi.log_size()
    with reference.gone():
        default = pip_client.download(PUBLIC_PROJECT, index_url=indexes.simple_url, args=GUIDE_ARGS)
    default_asked = devpi_asked(reference.devpi.log_tail(100000, since=since), indexes.name)
    default_added = default.seconds - online.seconds
    timeout = reference.options.request_timeout
    assert default.ok, (f"[O6] the deployment's own setting, the intranet never answering: pip could not download "
                        f"{PUBLIC_PROJECT}\n{default}")

    latency = measure(shorter, pip_client, public_batch, at_once=False)  # one at a time: the bounds are tight
    for run in latency.runs:
        assert_public_installed(run, fake_pypi, f"{shorter.gone_means} (--request-timeout {REQUEST_TIMEOUT})")
        said = [line for line in run.asked.lines if "timed out after" in line or "timeout after" in line]
        assert all(f"after {REQUEST_TIMEOUT} seconds" in line for line in said), (
            f"[O6] {run.label}: devpi did not wait {REQUEST_TIMEOUT} s as --request-timeout says\n" + "\n".join(said))
        bound = run.asked.waits * REQUEST_TIMEOUT + ALLOWANCE
        assert run.added <= bound, (
            f"[O6] with --request-timeout {REQUEST_TIMEOUT}, {run.label}: the intranet added {run.added:.1f} s to pip's "
            f"{run.seconds:.1f} s, more than {run.asked.waits} wait(s) of {REQUEST_TIMEOUT} s (+{ALLOWANCE} s): "
            f"something other than devpi's request timeout makes the user wait\n{run.result}")
    expired = latency.run(EXPIRED)
    # Only a reference that waited says what the deployment's own timeout costs (a deployment may already
    # run with a timeout as short, or make devpi ask nothing after the expiry).
    if timeout > REQUEST_TIMEOUT and default_asked.waits:
        scaled = default_added * REQUEST_TIMEOUT / timeout + ALLOWANCE
        assert expired.added <= scaled, (
            f"[O6] --request-timeout {REQUEST_TIMEOUT} instead of {timeout}: the run after the cache expiry still adds "
            f"{expired.added:.1f} s (with {timeout} s: {default_added:.1f} s); devpi documents that the option bounds "
            f"each upstream request, so it should add at most {scaled:.1f} s\n{expired.result}")
    report(latency, figure, record_property, f"O6_request_timeout_{REQUEST_TIMEOUT}")
    figure(f"O6_request_timeout_{REQUEST_TIMEOUT}_vs_default", round(expired.added, 1),
           f"O6 advice: with --request-timeout {REQUEST_TIMEOUT} a single-package run off the VPN (server never "
           f"answers) adds {expired.added:.1f} s and {TEN} packages about {latency.ten_packages:.1f} s; with the "
           f"deployment's {timeout} s the same single run added {default_added:.1f} s ({default_asked}); "
           f"at the {FIRST_CONTACT}: {latency.run(FIRST_CONTACT).added:+.1f} s")
