"""The one table of devpi-server 7's renames, both ways (no devpi-server here)."""

from __future__ import annotations

import pytest

from fixtures.deployment import config_mismatches
from fixtures.devpi_versions import INDEX_KEYS, INDEX_TYPES, dialect, meaning, meaning_key

SIX = dialect("6.20.3")
SEVEN = dialect("7.0.0b4")

# devpi 6.20.3's root/python-local and root/local as the guide configures them, and the same indexes
# as devpi-server 7.0.0b4 reports them (read from both servers).
PYTHON_LOCAL_6 = {"type": "mirror", "volatile": False, "mirror_url": "http://a/simple/", "title": "Intranet",
                  "mirror_use_external_urls": False, "mirror_cache_expiry": 1800, "mirror_no_project_list": False,
                  "mirror_web_url_fmt": "http://a/{name}/"}
PYTHON_LOCAL_7 = {"type": "remote", "volatile": False, "remote_url": "http://a/simple/", "title": "Intranet",
                  "remote_use_external_urls": False, "remote_refresh_delay": 1800, "remote_no_project_list": False,
                  "remote_web_url_fmt": "http://a/{name}/"}
LOCAL_6 = {"type": "stage", "bases": ["root/python-local", "root/pypi"], "mirror_whitelist": [],
           "mirror_whitelist_inheritance": "union", "acl_upload": ["root"]}
LOCAL_7 = {"type": "local", "bases": ["root/python-local", "root/pypi"],
           "project_inheritance_rules": "block type:remote if local_exists",
           "trust_inheritance_rules_from": "type:not remote", "acl_upload": ["root"]}


@pytest.mark.parametrize(("six", "seven"), [(PYTHON_LOCAL_6, PYTHON_LOCAL_7), (LOCAL_6, LOCAL_7)],
                         ids=["remote", "local"])
def test_a_configuration_goes_to_devpi_7s_words_and_back(six, seven):
    assert SEVEN.to_server(six) == seven
    assert SEVEN.meaning(seven) == six
    assert meaning(seven) == six and meaning(six) == six, "the upgrade compares a 6 and a 7 configuration"


def test_devpi_6_is_spoken_as_is():
    assert SIX.to_server(PYTHON_LOCAL_6) == PYTHON_LOCAL_6
    assert SIX.meaning(PYTHON_LOCAL_6) == PYTHON_LOCAL_6
    assert SIX.server_options("--mirror-cache-expiry", "15") == ("--mirror-cache-expiry", "15")
    assert SIX.key("mirror_cache_expiry") == "mirror_cache_expiry" and SIX.index_type("mirror") == "mirror"


def test_every_7_pre_release_speaks_7():
    for version in ("7.0.0.dev1", "7.0.0a1", "7.0.0b4", "7.0.0rc1", "7.0.0", "7.3.1"):
        assert dialect(version).renamed, version
    assert not dialect("6.99.0").renamed


def test_options_keys_and_types_one_by_one():
    assert SEVEN.server_options("--mirror-cache-expiry", "15", "--request-timeout", "2") == (
        "--remote-refresh-delay", "15", "--request-timeout", "2")
    for old, new in INDEX_KEYS.items():
        assert SEVEN.key(old) == new and meaning_key(new) == old
    for old, new in INDEX_TYPES.items():
        assert SEVEN.index_type(old) == new
    assert SEVEN.storage("sqlite") == "sqla_lite" and SIX.storage("sqlite") == "sqlite"
    assert SEVEN.key("volatile") == "volatile" and meaning_key("volatile") == "volatile"


def test_devpi_6_settings_without_a_7_counterpart_are_not_sent_to_7():
    assert SEVEN.to_server({"mirror_provides_core_metadata": True, "mirror_ignore_serial_header": False,
                            "type": "mirror"}) == {"type": "remote"}


def test_a_key_of_the_other_version_never_hides_the_real_one():
    """devpi 7 stores or ignores an unknown key: what it uses is remote_url."""
    assert SEVEN.meaning({"type": "remote", "remote_url": "http://real/", "mirror_url": "http://ignored/"})[
        "mirror_url"] == "http://real/"


def test_a_whitelist_without_a_7_counterpart_passes_unchanged():
    assert SEVEN.to_server({"mirror_whitelist": ["numpy"]}) == {"project_inheritance_rules": ["numpy"]}
    assert SEVEN.meaning({"project_inheritance_rules": "allow type:remote"}) == {
        "mirror_whitelist": "allow type:remote"}


def test_a_script_in_the_other_versions_words_is_named_with_the_changelog_line():
    requested = {"root/python-local": {"mirror_url": "http://a/simple/", "type": "mirror", "volatile": "False"}}
    seven = {"root/python-local": {"type": "remote", "remote_url": "http://a/simple/", "volatile": False}}
    problems = config_mismatches(requested, seven.__getitem__, SEVEN)
    assert problems == [
        "root/python-local: asked mirror_url='http://a/simple/', but devpi-server 7.0.0b4 calls it remote_url "
        "(devpi-server 7.0.0 CHANGELOG: Renamed the ``mirror`` index to ``remote``. This affects the ``type`` field "
        "of the HTTP API and the \"mirror_*\" index options.)",
        "root/python-local: asked type='mirror', but devpi-server 7.0.0b4 calls it type=remote (devpi-server 7.0.0 "
        "CHANGELOG: Renamed the ``mirror`` index to ``remote``.)",
    ]
    migrated = {"root/python-local": {"remote_url": "http://a/simple/", "type": "remote", "volatile": "False"}}
    assert config_mismatches(migrated, seven.__getitem__, SEVEN) == []
    assert config_mismatches(migrated, seven.__getitem__, SIX)[0].startswith(
        "root/python-local: asked remote_url='http://a/simple/', but devpi-server 6.20.3 (before 7) calls it mirror_url")



def test_advice_is_worded_for_the_version_the_user_runs():
    advice = "set mirror_no_project_list=True (type=mirror) or --mirror-cache-expiry 30; mirror_url_x stays"
    assert SEVEN.words(advice) == ("set remote_no_project_list=True (type=remote) or --remote-refresh-delay 30; "
                                   "mirror_url_x stays")
    assert SIX.words(advice) == advice


def test_a_server_not_configured_as_asked_is_named_in_its_own_words_on_7():
    """The read-back after the configure step on 7: what a migrated configure.sh asked (7's words) against what
    devpi 7 reports, compared in devpi's own types."""
    asked = {"root/pypi": {"remote_url": "http://127.0.0.1:2/simple/", "remote_use_external_urls": "True"},
             "root/python-local": {"type": "remote", "volatile": "False"},
             "root/local": {"bases": "root/python-local,root/pypi"}}
    seven = {"root/pypi": {"type": "remote", "remote_url": "https://pypi.org/simple/", "remote_use_external_urls": True},
             "root/python-local": {"type": "remote", "volatile": False},
             "root/local": {"type": "local", "bases": []}}
    assert config_mismatches(asked, seven.__getitem__, SEVEN) == [
        "root/pypi: asked remote_url='http://127.0.0.1:2/simple/', devpi reports remote_url='https://pypi.org/simple/'",
        "root/local: asked bases='root/python-local,root/pypi', devpi reports bases=[]",
    ]


def test_the_guides_storage_keeps_its_metadata_in_the_file_of_the_running_version():
    assert SIX.database_file("sqlite") == ".sqlite"
    assert SEVEN.database_file("sqlite") == ".sqlite_alchemy"
