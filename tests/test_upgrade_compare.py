"""The upgrade rehearsal compares index settings by meaning: devpi 7's renames are not losses, a
changed value is (no devpi-server here)."""

from __future__ import annotations

import importlib

import pytest
from suite_runs import ROOT


@pytest.fixture
def rehearsal(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.syspath_prepend(str(ROOT / "suites" / "upgrade"))
    return importlib.import_module("rehearsal")


def test_a_setting_carried_over_under_devpi_7s_name_is_kept_and_a_changed_one_is_lost(rehearsal):
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
