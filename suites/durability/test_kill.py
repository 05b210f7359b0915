"""D2: devpi-server killed at a chosen moment (SIGKILL: a power cut, an OOM kill, a crash), under the
guide's wrapper and launchd's KeepAlive: the service must come back by itself and serve a consistent state.
The moments are held open with the fakes' stall and trickle: devpi waiting for an intranet page, and devpi
in the middle of receiving (and storing) an intranet file; and a change of root/local's configuration."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from fake_upstreams.behaviours import refuse, stall, trickle
from fixtures import disk
from suites.durability.durability_support import (
    kill_devpi_server,
    leftovers,
    misplaced,
    nightly_only,
    page_links,
    sha256_of_url,
    wait_back,
)

# A file over devpi's in-memory limit (1 MiB, filestore SpooledTemporaryFile), sent in about 6 s: killed after
# 3 s, devpi has written part of it to disk.
BIG_PADDING = 1_500_000
TRICKLE = dict(chunk=16_384, delay=0.06)


def wait_for(condition, what: str, timeout: float = 60) -> None:  # noqa: ANN001
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"[D2] precondition: {what} within {timeout} s"
        time.sleep(0.05)


@pytest.mark.promise("D2")
@nightly_only
def test_devpi_server_killed_mid_request_comes_back_consistent_with_nothing_lost(
        make_devpi, fake_artifactory, packages, project_name, pip_client, http, figure):
    kept, paged, big = (packages.wheel(project_name("kept"), "1.0"), packages.wheel(project_name("paged"), "1.0"),
                        packages.wheel(project_name("big"), "1.0", padding=BIG_PADDING))
    # Published before the server is set up (make_devpi says why).
    fake_artifactory.publish(kept, paged, big)
    server = make_devpi()
    index_url = server.index_url("root/local")
    first = pip_client.download(kept.name, index_url=index_url)
    assert first.ok, f"[D2] precondition: pip could not get {kept.name}\n{first}"
    before = disk.wait_for_file(server.serverdir, kept.filename)
    restarts: list[str] = []

    def kill_while(behaviour, project: str, moment, what: str) -> None:  # noqa: ANN001
        """Start a pip run of `project` with the intranet misbehaving, kill devpi-server at `moment`, then let the
        intranet answer normally and wait for the service to come back under KeepAlive."""
        mark = fake_artifactory.log.mark()
        with fake_artifactory.misbehave(behaviour, project=project), ThreadPoolExecutor(1) as pool:
            run = pool.submit(pip_client.download, project, index_url=index_url)
            moment(mark)
            spawned = kill_devpi_server(server)
            killed_at = time.monotonic()
            run.result()
        back = wait_back(server, spawned, timeout=server.start_timeout + 15)
        assert back is not None, (
            f"[D2] devpi-server killed {what}: the service did not come back under launchd's KeepAlive within "
            f"{server.start_timeout + 15:.0f} s\nlaunchd's view: {server.history()}\n{server.log_tail(20)}")
        restarts.append(f"{what}: back after {time.monotonic() - killed_at:.1f} s")
        check_consistent(what)

    def check_consistent(what: str) -> None:
        now = disk.usage(server.serverdir)
        assert not misplaced(now), f"[D2] after a kill {what}, stored files do not match their hashes: {misplaced(now)}"
        lost = [f for f in disk.all_files(before) if f not in set(disk.all_files(now))]
        assert not lost, f"[D2] after a kill {what}, files stored before are gone or changed: {lost}\n{disk.render(now)}"
        # Every file devpi lists that it stores is complete: with the intranet gone it can only serve its copy.
        with fake_artifactory.misbehave(refuse()):
            for dist in (kept, paged, big):
                status, links = page_links(http, f"{index_url}{dist.name}/")
                for filename, (url, sha) in links.items():
                    got = sha256_of_url(http, url)
                    assert got[0] != 200 or got[1] == sha, (
                        f"[D2] after a kill {what}, devpi serves {filename} with sha256 {got[1]} ({got[2]} bytes), "
                        f"its page says {sha}")
                if dist is kept:
                    assert status == 200 and links.get(kept.filename, ("", ""))[1] == kept.sha256, (
                        f"[D2] after a kill {what}, with the intranet gone, devpi no longer lists {kept.filename}, "
                        f"stored before the kill: {status} {sorted(links)}")

    def page_asked(mark: float) -> None:
        wait_for(lambda: fake_artifactory.log.matching(rf"/simple/{paged.name}/$", since=mark), "the intranet asked for the page")
        time.sleep(0.3)

    def file_half_sent(mark: float) -> None:
        wait_for(lambda: fake_artifactory.log.matching(rf"/{big.filename}$", since=mark), "the intranet asked for the file")
        time.sleep(3)
        stored = disk.usage(server.serverdir)
        assert not any(f.filename == big.filename for f in disk.all_files(stored)), (
            f"[D2] precondition: {big.filename} was stored before the kill meant to interrupt its write\n{disk.render(stored)}")

    kill_while(stall(3600), paged.name, page_asked, "while devpi waits for an intranet page")
    kill_while(trickle(**TRICKLE), big.name, file_half_sent, "while devpi receives and stores an intranet file")

    # While an index changes: `devpi index root/local title=...` (a PATCH), killed as soon as devpi logs it.
    api = server.api
    api.login("root", server.settings.root_password)
    config = api.index_config("root/local")
    log_from = server.log_size()
    with ThreadPoolExecutor(1) as pool:
        change = pool.submit(api.set_index_options, "root/local", title="changed while killed")
        wait_for(lambda: "PATCH /root/local" in server.log_since(log_from), "devpi logged the index change")
        spawned = kill_devpi_server(server)
        killed_at = time.monotonic()
        change.exception()
    back = wait_back(server, spawned, timeout=server.start_timeout + 15)
    assert back is not None, (f"[D2] devpi-server killed while an index changes: the service did not come back under "
                              f"launchd's KeepAlive\n{server.history()}\n{server.log_tail(20)}")
    restarts.append(f"while root/local's configuration changes: back after {time.monotonic() - killed_at:.1f} s")
    api.logout()  # the token died with the process (no secret file)
    now = api.index_config("root/local")
    assert now.get("title") in (config.get("title"), "changed while killed") and (
        {k: v for k, v in now.items() if k != "title"} == {k: v for k, v in config.items() if k != "title"}), (
        f"[D2] after a kill while root/local's configuration changed, it is neither the old nor the new one:\n"
        f"before: {config}\nafter: {now}")
    check_consistent("while root/local's configuration changes")
    restarts[-1] += f" with the {'new' if now.get('title') == 'changed while killed' else 'old'} configuration"

    for dist in (kept, paged, big):
        again = pip_client.download(dist.name, index_url=index_url)
        assert again.ok and again.file(dist.name).sha256 == dist.sha256, (
            f"[D2] after the kills, pip could not get {dist.filename} with the intranet's bytes\n{again}")
    check_consistent("(after the fetches completed)")
    left = leftovers(server.serverdir)
    figure("d2_kills", len(restarts), f"D2: devpi-server killed {len(restarts)} times (SIGKILL): " + "; ".join(restarts)
           + f"; temporary files left in +files/ by the interrupted write: {len(left)} "
           f"({sum(p.stat().st_size for p in left)} bytes)")
