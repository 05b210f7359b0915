"""The upgrade rehearsal compares index settings by meaning: devpi 7's renames are not losses, a
changed value is (no devpi-server here)."""

from __future__ import annotations

from pathlib import Path

from fixtures.deployment import BUNDLED, Deployment
from fixtures.migration import MIGRATED
from suites.upgrade import rehearsal



def test_a_setting_carried_over_under_devpi_7s_name_is_kept_and_a_changed_one_is_lost():
    asked = {"root/python-local": {"mirror_url": "u", "type": "mirror", "volatile": "False"},
             "root/local": {"bases": "root/python-local,root/pypi"}}
    before = {"root/python-local": {"mirror_url": "http://a/simple/", "type": "mirror", "volatile": False},
              "root/local": {"bases": ["root/python-local", "root/pypi"], "type": "stage"}}
    renamed = {"root/python-local": {"remote_url": "http://a/simple/", "type": "remote", "volatile": False},
               "root/local": {"bases": ["root/python-local", "root/pypi"], "type": "local"}}
    assert rehearsal.lost_settings(before, renamed, asked) == []

    changed = {"root/python-local": {"remote_url": "http://a/simple/", "type": "remote", "volatile": True},
               "root/local": {"bases": ["root/pypi"]}}
    assert rehearsal.lost_settings(before, changed, asked) == [
        "root/python-local: volatile was False, is True",
        "root/local: bases was ['root/python-local', 'root/pypi'], is ['root/pypi']",
    ]


def start_error(how: str, log: str) -> str:
    """fixtures.devpi.DevpiStartError's text for a job that ended during start-up."""
    return (f"launchd's job (/h/.devpi/devpi-server /p/bin/devpi-server --port 3141 --serverdir /h/.devpi/server) {how} "
            f"during start-up\n--- its log ---\n{log}")


REFUSAL = ("fatal: Incompatible state: server 7.0.0 cannot run serverdir /h/.devpi/server created at database version 4.\n"
           "Use devpi-export from older version, then devpi-import with newer version.")


def test_only_devpis_own_refusal_of_the_old_directory_counts_as_the_new_version_refusing_it():
    """S4's finding (export/import needed) rests on this: any other start failure is the upgrade breaking the service."""
    serverdir = Path("/h/.devpi/server")
    assert rehearsal.refusal(start_error("exited with status 1", REFUSAL), "7.0.0", serverdir) == (
        "Incompatible state: server 7.0.0 cannot run serverdir /h/.devpi/server created at database version 4")
    not_refusals = {
        "another exit": start_error("exited with status 1", "fatal: No sqlite storage found in /h/.devpi/server. Or you "
                                                              "need to run devpi-init first."),
        "a signal": start_error("was killed by signal 9", REFUSAL),
        "another status": start_error("exited with status 2", REFUSAL),
        "a time-out": f"devpi-server did not answer http://localhost:3141/+api within 390 s\n--- its log ---\n{REFUSAL}",
        "a taken port": "port 3141 was taken by another process\nOSError: [Errno 98] Address already in use",
        "another version": start_error("exited with status 1", REFUSAL.replace("server 7.0.0", "server 7.0.1")),
        "another directory": start_error("exited with status 1", REFUSAL.replace("/h/.devpi/server", "/h/elsewhere")),
    }
    for what, text in not_refusals.items():
        assert rehearsal.refusal(text, "7.0.0", serverdir) is None, what


def test_a_deployment_migrated_to_7_upgrades_the_service_the_guide_set_up_on_6(tmp_path):
    migrated, guide = Deployment(MIGRATED), Deployment(BUNDLED)
    assert rehearsal.deployment_before(migrated, "6.20.3").source == BUNDLED
    assert rehearsal.deployment_before(migrated, "7.0.0b4") is migrated  # from a 7, its own
    assert rehearsal.deployment_before(guide, "6.19.3") is guide
    # a user's copy written for 6 sets up its own 6, whatever the upgrade's target
    copy = guide.copy_with(tmp_path / "mine", ("env.sh", ":=3141}", ":=3142}"))
    assert rehearsal.deployment_before(copy, "6.20.3") is copy
