"""fixtures/effective.py: a setting as devpi applies it, "not applicable" with its reason, and a scenario that
reads a setting it does not declare (no devpi: a stand-in answers the index configuration)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from suite_runs import ROOT

from fixtures import effective


def server_with(config: dict, tmp_path: Path, *, server_expiry: int = 1800) -> SimpleNamespace:
    server = SimpleNamespace(serverdir=tmp_path, api=SimpleNamespace(index_config=lambda index: dict(config)))
    effective._options[tmp_path] = effective.ServerOptions(request_timeout=5, mirror_cache_expiry=server_expiry)
    return server


def test_an_index_setting_wins_and_devpis_fallbacks_apply_where_the_index_sets_none(tmp_path):
    server = server_with({"mirror_cache_expiry": 30}, tmp_path, server_expiry=15)
    assert effective.read_setting(server, "root/python-local", "mirror_cache_expiry").value == 30
    assert effective.read_setting(server, "root/python-local", "mirror_no_project_list").value is False
    bare = server_with({}, tmp_path / "other", server_expiry=15)
    expiry = effective.read_setting(bare, "root/python-local", "mirror_cache_expiry")
    assert (expiry.value, expiry.source) == (15, "devpi-server's --mirror-cache-expiry, root/python-local sets none")
    renamed = server_with({"remote_no_project_list": True}, tmp_path / "devpi7")
    assert effective.read_setting(renamed, "root/python-local", "mirror_no_project_list").value is True


def test_not_applicable_skips_naming_the_setting_its_value_and_why(tmp_path):
    setting = effective.read_setting(server_with({"mirror_no_project_list": True}, tmp_path), "root/python-local",
                                     "mirror_no_project_list")
    with pytest.raises(pytest.skip.Exception, match=r"^not applicable under this deployment: root/python-local "
                                                    r"mirror_no_project_list = True \(the reason; root/python-local's own"):
        effective.not_applicable(setting, "the reason")


def test_a_scenario_reading_a_setting_it_does_not_declare_fails(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_reads='''
import pytest

def test_undeclared(effective_setting):
    effective_setting("root/python-local", "mirror_no_project_list")

@pytest.mark.reads_setting("mirror_cache_expiry")
def test_declares_another(effective_setting):
    effective_setting("root/python-local", "mirror_no_project_list")
''')
    result = pytester.runpytest_subprocess("-p", "fixtures.effective", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*does not declare @pytest.mark.reads_setting('mirror_no_project_list')*"])
