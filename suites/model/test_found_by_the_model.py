"""Defects of devpi the state machine (test_deployment_model.py) found, each as a plain scenario with the
minimal sequence it shrank to, so that every run and every devpi version checks them."""

from __future__ import annotations

import time

import pytest

from fake_upstreams import Mode
from suites.model.model import log_entries

EXPIRY = 3


@pytest.mark.promise("O1")
@pytest.mark.finding("O1-hang-logs-traceback")
def test_a_hanging_intranet_leaves_no_traceback_in_devpis_log(deployment, make_devpi, fake_artifactory, packages,
                                                             pip_client, project_name, tmp_path, figure, finding):
    """Found by the model (nightly profile), shrunk to: publish on the intranet, pip install, wait out the
    cache expiry, the intranet hangs, pip install. pip gets its cached copy (O1 holds), but when devpi
    gives up waiting for the intranet's project list ("serving stale projects ... timed out") the fetch
    it started goes on alone, fails with ReadTimeout, and asyncio logs "Task exception was never
    retrieved" with a traceback: in the log of an outage the deployment is built to survive, a crash
    report the person on call has to read and dismiss."""
    copy = deployment.copy_with_server_options(tmp_path / "deployment", "--mirror-cache-expiry", str(EXPIRY))
    server = make_devpi(deployment_path=copy.source)
    index_url = server.index_url("root/local")
    name = project_name("hang")
    fake_artifactory.publish(packages.wheel(name, "1.0"))
    online = pip_client.download(name, index_url=index_url)
    assert online.ok, f"[O1] precondition: pip could not download {name} with the intranet up\n{online}"
    time.sleep(EXPIRY + 1)

    mark = server.log_size()
    with fake_artifactory.fault(Mode.HANG):
        offline = pip_client.download(name, index_url=index_url)
        time.sleep(2)  # the abandoned fetch ends at devpi's request timeout, after pip has its answer
    assert offline.ok and offline.file(name).version == "1.0", f"[O1] the cached copy was not served\n{offline}"
    crashes = [entry for entry in log_entries(server.log_tail(400, since=mark)) if "Traceback" in entry]
    figure("o1_hang_tracebacks_logged", len(crashes), "tracebacks devpi logged while the intranet hung")
    if crashes:
        finding("O1-hang-logs-traceback", f"devpi-server logged {len(crashes)} traceback(s) while the intranet hung, "
                f"the first:\n{crashes[0]}\n"
                "Advice: nothing to change in the deployment; expect 'Task exception was never retrieved' "
                "(UpstreamError ... ReadTimeout) in the log during outages, and report it to devpi.")
