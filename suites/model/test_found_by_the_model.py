"""Defects of devpi the state machine (test_deployment_model.py) found, each as a plain scenario with the
minimal sequence it shrank to, so that every run and every devpi version checks them."""

from __future__ import annotations

import time

import pytest

from fake_upstreams import Mode
from suites.model.model import log_entries

EXPIRY = 2


@pytest.mark.promise("O1")
@pytest.mark.finding("O1-outage-logs-traceback")
@pytest.mark.parametrize("mode", [Mode.HANG, Mode.ERROR_5XX], ids=lambda mode: mode.value)
def test_an_intranet_outage_leaves_no_traceback_in_devpis_log(mode, deployment, make_devpi, fake_artifactory, packages,
                                                              pip_client, project_name, tmp_path, figure, finding,
                                                              devpi_server_version):
    """Found by the model, shrunk to: a private release installed once, the cache expiry waited out, the
    intranet gone (hanging: nightly profile; answering 503: default budget), pip install. pip gets its
    cached copy (O1 holds), and devpi logs a traceback for an outage the deployment is built to survive:
    - hanging: when devpi gives up waiting ("serving stale projects ... timed out") the fetch it started
      goes on alone, fails with ReadTimeout, and asyncio logs "Task exception was never retrieved";
    - 503: "serving stale links, because of exception Traceback ... UpstreamError: 503 status".
    A crash report in the log of a healthy outage is one the person on call has to read and dismiss."""
    copy = deployment.copy_with_server_options(tmp_path / "deployment", "--mirror-cache-expiry", str(EXPIRY),
                                           version=devpi_server_version)
    server = make_devpi(deployment_path=copy.source)
    index_url = server.index_url("root/local")
    name = project_name("outage")
    fake_artifactory.publish(packages.wheel(name, "1.0"))
    online = pip_client.download(name, index_url=index_url)
    assert online.ok, f"[O1] precondition: pip could not download {name} with the intranet up\n{online}"
    time.sleep(EXPIRY + 1)

    mark = server.log_size()
    with fake_artifactory.fault(mode):
        offline = pip_client.download(name, index_url=index_url)
        time.sleep(2)  # an abandoned fetch ends at devpi's request timeout, after pip has its answer
    assert offline.ok and offline.file(name).version == "1.0", f"[O1] the cached copy was not served\n{offline}"
    crashes = [entry for entry in log_entries(server.log_tail(400, since=mark)) if "Traceback" in entry]
    figure(f"o1_{mode.value}_tracebacks_logged", len(crashes), f"tracebacks devpi logged with the intranet gone ({mode.value})")
    if crashes:
        finding("O1-outage-logs-traceback", f"devpi-server logged {len(crashes)} traceback(s) with the intranet gone "
                f"({mode.value}) while it served the cached copy; the first:\n{crashes[0]}\n"
                "Advice: nothing to change in the deployment; expect these in devpi's log during outages (they are not "
                "crashes), and report them to devpi.")
