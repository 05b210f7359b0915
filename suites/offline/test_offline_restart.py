"""O3: the cached copy survives a restart of devpi-server — the guide's service restarts at every
login, so a user who logs in while off the intranet depends on it.

Why a restart is its own case (devpi_server/mirror.py): when devpi last read each project page and
the upstream's project list is kept in memory only (`ProjectUpdateCache`, `ProjectNamesCache`),
so after a restart every cached page counts as expired and the first request for it goes to the
intranet whatever mirror_cache_expiry says; the page itself and the release files are on disk
(the server directory), and on failure devpi serves them ("serving stale links"). With the
intranet refusing, that failure is immediate; a hang would add one --request-timeout.
"""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import refuse
from suites.offline.offline_checks import assert_served_same_file
from suites.offline.offline_intranets import PYTHON_LOCAL, server_options


@pytest.mark.promise("O3")
@pytest.mark.reads_setting("request_timeout")
def test_the_cached_copy_survives_a_restart_while_the_intranet_is_gone(make_devpi, fake_artifactory, pip_client,
                                                                       packages, project_name, figure):
    """A user downloaded a private package, went off the intranet, and the service restarted (through
    the guide's wrapper, as launchd does at login): pip still gets the same file from root/local."""
    name = project_name("private")
    dist = packages.sdist(name, "1.0.0")
    # Published before the server is set up (make_devpi says why).
    fake_artifactory.publish(dist)
    server = make_devpi()
    index_url = server.index_url("root/local")  # the deployment's own indexes, on a server of the test's own
    online = pip_client.download(name, index_url=index_url)
    assert online.ok, f"[O3] precondition: pip could not download {name} while the intranet was up\n{online}"
    before = online.file(name)
    assert (before.served_by, before.sha256) == (PYTHON_LOCAL, dist.sha256), f"[O3] precondition failed\n{online}"
    stored = sorted(server.serverdir.rglob(dist.filename))
    assert stored, f"[O3] precondition: devpi served {dist.filename} but has no copy under {server.serverdir}"

    with fake_artifactory.misbehave(refuse()):
        old_pid = server.pid
        server.restart()
        log_from = server.log_size()
        after = pip_client.download(name, index_url=index_url)
        devpi_said = server.log_tail(400, since=log_from)

    assert server.pid != old_pid, f"[O3] precondition: the service was not restarted (pid {old_pid})"
    bound = 10.0 + server_options(server).request_timeout
    assert_served_same_file("O3", "after a restart of devpi-server with the intranet refusing connections", after,
                            before, bound=bound, bound_why="pip's own work and at most one devpi request timeout")
    assert "serving stale links" in devpi_said, (
        f"[O3] after the restart devpi served {name} without asking the intranet and falling back "
        f"('serving stale links'); the scenario expected the restart to expire its in-memory cache times\n{devpi_said}")
    on_disk = ", ".join(str(p.relative_to(server.serverdir)) for p in stored)
    figure("O3_pip_seconds_after_restart", round(after.seconds, 1),
           f"O3: after a restart (devpi up again in {server.startup_seconds:.1f} s) with the intranet refusing, pip got "
           f"the cached {name} in {after.seconds:.1f} s; on disk: {on_disk}")
