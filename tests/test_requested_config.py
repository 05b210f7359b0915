"""What the deployment's `devpi index` commands ask for, read by running its own scripts with a
`devpi` that only records, and compared with what devpi reports back (no devpi-server here)."""

from __future__ import annotations

from pathlib import Path

from fixtures.deployment import BUNDLED, Deployment, Settings, config_mismatches, requested_index_config

ARTIFACTORY = "http://127.0.0.1:1/artifactory/api/pypi/python-local/simple/"


def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", prefix=tmp_path / "prefix", port=3999, artifactory_url=ARTIFACTORY,
                    pypi_url="http://127.0.0.1:2/simple/")


def test_the_guides_commands_are_read_index_by_index_as_bash_expands_them(tmp_path):
    requested = requested_index_config(Deployment(BUNDLED), ["configure", "cache_pypi"], settings(tmp_path), tmp_path / "w")

    assert requested["root/python-local"] == {"mirror_url": ARTIFACTORY, "title": "Intranet: python-local",
                                              "type": "mirror", "volatile": "False"}
    assert requested["root/local"] == {"bases": "root/python-local,root/pypi", "title": "Local: personal index"}
    # the note's later command wins over configure.sh's
    assert requested["root/pypi"] == {"mirror_use_external_urls": "False", "mirror_url": "http://127.0.0.1:2/simple/"}
    assert not (tmp_path / "home").exists(), "reading the commands must not touch the deployment's HOME"


def test_settings_are_compared_in_devpis_own_types():
    requested = {"root/local": {"bases": "root/python-local, root/pypi", "title": "Local"},
                 "root/python-local": {"volatile": "False", "mirror_cache_expiry": "60"},
                 "root/gone": {"type": "mirror"}}
    reported = {"root/local": {"bases": ["root/python-local", "root/pypi"], "title": "Local"},
                "root/python-local": {"volatile": True, "mirror_cache_expiry": 60}}

    def actual_of(index: str) -> dict:
        return reported[index]

    assert config_mismatches(requested, actual_of) == [
        "root/python-local: asked volatile='False', devpi reports volatile=True",
        "root/gone: devpi reports no such index ('root/gone')",
    ]
