"""The state machine's model (suites/model/model.py) on its own: pip's rule with yanks, and when the model says
"either", and which logged tracebacks a finding already reports."""

from __future__ import annotations

from packaging.version import Version

from fixtures.exchanges import CACHED_FILE_500, CONCURRENT_FILE_500, finding_of, log_entries, tracebacks
from suites.model.model import DeploymentModel, Release, pip_pick, uv_pick


def release(version: str, side: str = "intranet", *, yanked: bool = False) -> Release:
    return Release(side, version, f"p-{version}-py3-none-any.whl", f"sha-{side}-{version}", yanked)


def test_pip_pick_is_the_greatest_final_unless_pre():
    releases = [release("1.0"), release("1.10", "pypi"), release("2.0a1")]
    assert pip_pick(releases, pre=False) == Version("1.10")
    assert pip_pick(releases, pre=True) == Version("2.0a1")


def test_pip_pick_takes_pre_releases_when_there_is_no_final():
    assert pip_pick([release("2.0a1"), release("1.0b1", "pypi")], pre=False) == Version("2.0a1")


def test_a_yanked_release_is_never_picked_for_a_bare_requirement():
    assert pip_pick([release("1.0"), release("2.0", yanked=True)], pre=False) == Version("1.0")
    assert pip_pick([release("2.0", yanked=True)], pre=False) is None


def test_a_yanked_final_still_hides_a_newer_pre_release():
    """pip applies the pre-release rule to every candidate before it drops the yanked ones."""
    assert pip_pick([release("1.0", yanked=True), release("2.0a1")], pre=False) is None
    assert pip_pick([release("1.0", yanked=True), release("2.0a1")], pre=True) == Version("2.0a1")


def test_uv_pick_is_pips_except_where_every_final_is_yanked():
    """suites/resolution/test_uv.py states the difference: uv drops yanked releases before its pre-release rule."""
    releases = [release("1.0", "pypi"), release("1.1"), release("2.0b1")]
    for pre in (False, True):
        assert uv_pick(releases, pre=pre) == pip_pick(releases, pre=pre)
    releases[1].yanked = True
    assert uv_pick(releases, pre=False) == pip_pick(releases, pre=False) == Version("1.0")
    releases[0].yanked = True
    assert pip_pick(releases, pre=False) is None
    assert uv_pick(releases, pre=False) == Version("2.0b1")


def test_with_the_intranet_gone_the_model_knows_the_version_only_once_devpi_read_the_last_change():
    model = DeploymentModel("p")
    first = release("1.0")
    model.published(first)
    model.expiry_waited()
    model.client_asked()  # settled: devpi read the page with 1.0
    model.got_from_intranet(first)
    model.published(release("1.1"))
    model.expiry_waited()
    model.intranet_away("refuse")
    assert not model.last_view_complete, "devpi never read the page with 1.1: it may serve 1.0 or nothing"
    model.intranet_back()
    model.expiry_waited()
    model.client_asked()
    model.intranet_away("refuse")
    assert model.last_view_complete
    assert model.must_pick_offline(pre=False) == (Version("1.1"), False), "1.1 was never fetched: pip may get nothing"
    model.got_from_intranet(model.releases[1])
    assert model.must_pick_offline(pre=False) == (Version("1.1"), True)
    model.published(release("0.5", "pypi"))
    assert not model.last_view_complete, "a change on PyPI devpi has not had an expiry to see"
    model.expiry_waited()  # PyPI is up: an expiry is enough
    assert model.last_view_complete


def test_a_release_is_new_once_a_client_read_the_project():
    model = DeploymentModel("p")
    model.published(release("1.0"))
    model.client_asked()
    model.published(release("2.0"))
    assert [r.new for r in model.releases] == [False, True]


def test_nothing_published_picks_nothing():
    assert pip_pick([], pre=False) is None


def test_the_model_is_settled_only_online_after_an_expiry_since_the_last_change():
    model = DeploymentModel("p")
    assert model.settled
    model.published(release("1.0"))
    assert not model.settled
    model.intranet_away("refuse")
    model.expiry_waited()  # devpi cannot see the intranet: the wait proves nothing
    assert not model.settled
    model.intranet_back()
    assert not model.settled
    model.expiry_waited()
    assert model.settled
    model.yanked(model.releases[0])
    assert not model.settled


LOG = """2026-11-30 02:50:01,723 INFO  [req4] GET /root/local/+simple/p/
2026-11-30 02:50:01,773 ERROR Task exception was never retrieved
future: <Task finished name='Task-16' coro=<MirrorStage._get_remote_projects() done>>
Traceback (most recent call last):
devpi_server.model.UpstreamError: URL returned -1 ReadTimeout('')
2026-11-30 02:50:01,780 ERROR [req5] while handling /x
Traceback (most recent call last):
KeyError: 'x'
"""


def test_a_traceback_stays_with_its_log_entry_and_only_the_reported_one_is_known():
    entries = log_entries(LOG)
    assert len(entries) == 3
    crashes = [e for e in entries if "Traceback" in e]
    assert [finding_of(e) for e in crashes] == ["O1-outage-logs-traceback", None]


def test_a_traceback_no_finding_reports_is_unknown_beside_the_known_outage_ones():
    """What test_found_by_the_model.py and the machine's invariant fail on: any other traceback, however
    close to an outage it was logged."""
    made_up = ("2026-11-30 02:50:02,001 ERROR [req6] serving stale links for 'p'\nTraceback (most recent call last):\n"
               "  File \"mirror.py\", line 1\nsqlite3.OperationalError: database is locked\n")
    known, unknown = tracebacks(LOG + made_up)
    assert [finding_of(e) for e in known] == ["O1-outage-logs-traceback"]
    assert len(unknown) == 2 and "KeyError" in unknown[0] and "database is locked" in unknown[1]


def test_a_stale_links_warning_with_an_upstream_error_is_the_known_outage_traceback():
    entry = ("2026-11-30 03:38:52,400 WARNI [req1] [Rtx14] serving stale links, because of exception Traceback "
             "(most recent call last):\n  File \"mirror.py\", line 886\ndevpi_server.model.UpstreamError: 503 status on GET\n")
    assert finding_of(entry) == "O1-outage-logs-traceback"


# devpi-server 7.0.0b4's log, as the state machine met it (matrix cell 7.0.0b4:deployment-devpi7 at 43d351c).
CACHED_FILE_500_ENTRY = """2026-12-06 11:44:03,713 ERROR Exception while serving /root/python-local/+f/8ab/cd0e498396f18/model_2_2-1.0-py3-none-any.whl
Traceback (most recent call last):
  File "/x/site-packages/waitress/task.py", line 422, in start_response
    self.content_length = int(v)
ValueError: invalid literal for int() with base 10: 'None'
"""


def test_devpi7s_cached_file_500_is_its_finding_and_names_its_file():
    assert finding_of(CACHED_FILE_500_ENTRY) == "O1-devpi7-cached-file-500"
    assert CACHED_FILE_500.entries(CACHED_FILE_500_ENTRY, about="model_2_2-1.0-py3-none-any.whl")
    assert not CACHED_FILE_500.entries(CACHED_FILE_500_ENTRY, about="model_3_3-2.0-py3-none-any.whl")
    # the same ValueError raised anywhere else is no answer devpi served
    elsewhere = CACHED_FILE_500_ENTRY.replace("Exception while serving", "while handling")
    assert finding_of(elsewhere) is None


def test_devpi7s_concurrent_store_is_its_finding():
    entry = ("2026-12-06 10:01:02,003 ERROR Exception while serving /root/pypi/+f/1ba/x.whl\nTraceback (most recent "
             "call last):\n  File \"filestore_fs_base.py\", line 80, in new_open\n    assert not self.exists(path)\n"
             "AssertionError\n")
    assert finding_of(entry) == "D1-devpi7-concurrent-file-500"
    assert CONCURRENT_FILE_500.entries(entry, about="/root/pypi/+f/1ba/x.whl")


def test_pip_log_error_answers_from_devpi_are_found(tmp_path):
    from fixtures.clients import Resolution
    from suites.model.test_deployment_model import devpi_errors

    log = tmp_path / "pip.log"
    log.write_text(
        "2026-11-30T02:58:42,767 Could not fetch URL http://localhost:4000/root/local/+simple/p/: 500 Server Error: "
        "Internal Server Error for url: http://localhost:4000/root/local/+simple/p/ - skipping\n"
        "2026-11-30T02:58:43,001 HTTP error 503 while getting http://localhost:4000/root/python-local/+f/1/p-1.0.tar.gz\n"
        "2026-11-30T02:58:43,002 HTTP error 404 while getting http://127.0.0.1:9/elsewhere/p-1.0.tar.gz\n")
    result = Resolution("pip", ["pip", "download", "--log", str(log), "p"], 1, "", "", 1.0)
    devpi = type("Devpi", (), {"url": "http://localhost:4000/"})()

    assert devpi_errors(result, devpi) == [(500, "http://localhost:4000/root/local/+simple/p/"),
                                           (503, "http://localhost:4000/root/python-local/+f/1/p-1.0.tar.gz")]
