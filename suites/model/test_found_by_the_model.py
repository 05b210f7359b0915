"""Defects of devpi the state machine (test_deployment_model.py) found, each as a plain scenario with the
minimal sequence it shrank to, so that every run and every devpi version checks them."""

from __future__ import annotations

import time

import pytest

from fake_upstreams.behaviours import error_5xx, hang
from fixtures.exchanges import tracebacks
from suites.offline.offline_intranets import PYTHON_LOCAL, cache_expiry, server_options

EXPIRY = 2

GONE = {"hang": hang, "5xx": error_5xx}


@pytest.mark.promise("O1")
@pytest.mark.finding("O1-outage-logs-traceback")
@pytest.mark.parametrize("way", list(GONE))
@pytest.mark.runs_long
def test_an_intranet_outage_leaves_no_traceback_in_devpis_log(way, deployment, make_devpi, fake_artifactory, packages,
                                                              pip_client, project_name, tmp_path, figure, finding,
                                                              devpi_server_version):
    """Found by the model, shrunk to: a private release installed once, the cache expiry waited out, the
    intranet gone (hanging: nightly profile; answering 503: default budget), pip install. pip gets its
    cached copy (O1 holds), and devpi logs a traceback for an outage the deployment is built to survive:
    - hanging: when devpi gives up waiting ("serving stale projects ... timed out") the fetch it started
      goes on alone, fails with ReadTimeout, and asyncio logs "Task exception was never retrieved";
    - 503: "serving stale links, because of exception Traceback ... UpstreamError: 503 status".
    A crash report in the log of a healthy outage is one the person on call has to read and dismiss. Any
    other traceback (fixtures/exchanges.py does not know it) fails O1."""
    copy = deployment.copy_with_server_options(tmp_path / "deployment", "--mirror-cache-expiry", str(EXPIRY),
                                               version=devpi_server_version)
    name = project_name("outage")
    # Published before the server is set up (make_devpi says why).
    fake_artifactory.publish(packages.wheel(name, "1.0"))
    server = make_devpi(deployment=copy.source)
    # The wait must outlast the expiry in force: root/python-local's own (the suite's advice for O7 sets one).
    expiry, source = cache_expiry(server, PYTHON_LOCAL, server_options(server))
    if expiry > 60:
        pytest.skip(f"{source} is {expiry} s: devpi would not ask the intranet again within this scenario")
    index_url = server.index_url("root/local")
    online = pip_client.download(name, index_url=index_url)
    assert online.ok, f"[O1] precondition: pip could not download {name} with the intranet up\n{online}"
    time.sleep(expiry + 1)

    mark, asked = server.log_size(), fake_artifactory.log.mark()
    with fake_artifactory.misbehave(GONE[way]()):
        offline = pip_client.download(name, index_url=index_url)
        time.sleep(2)  # an abandoned fetch ends at devpi's request timeout, after pip has its answer
    assert offline.ok and offline.file(name).version == "1.0", f"[O1] the cached copy was not served\n{offline}"
    assert fake_artifactory.log.matching(rf"/simple/{name}/", since=asked), (
        f"[O1] precondition: devpi did not ask the intranet for {name}'s page during the outage ({source}: "
        f"{expiry} s, waited {expiry + 1} s), so the outage was never met\n{fake_artifactory.log.render(since=asked)}")
    known, unknown = tracebacks(server.log_tail(400, since=mark))
    figure(f"o1_{way}_tracebacks_logged", len(known) + len(unknown),
           f"tracebacks devpi logged with the intranet gone ({way})")
    assert not unknown, (f"[O1] devpi-server logged a traceback no finding reports with the intranet gone ({way}), "
                         f"{len(unknown)} in all; the first:\n{unknown[0]}")
    if known:
        finding("O1-outage-logs-traceback", f"devpi-server logged {len(known)} traceback(s) with the intranet gone "
                f"({way}) while it served the cached copy; the first:\n{known[0]}\n"
                "Advice: nothing to change in the deployment; expect these in devpi's log during outages (they are not "
                "crashes), and report them to devpi.")
