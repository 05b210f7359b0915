"""pip in the suite reads the pip.conf it is given and nothing of the host: a global pip.conf planted to
poison it (no-index) breaks pip when the host's files are left visible, and not when PipClient hides them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtures.clients import HOST_PIP_CONFIGS, PipClient, host_config_warning, unhidden_host_configs
from fixtures.hosts import unavailable_reason

PLANT = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'


def test_a_poisoning_global_pip_conf_is_hidden(tmp_path, fake_pypi):
    if reason := unavailable_reason():
        pytest.skip(reason)
    target = next((f for f in HOST_PIP_CONFIGS if Path(f).is_file()), None)
    if target is None:
        pytest.skip(f"none of {HOST_PIP_CONFIGS} exists to plant a poisoned copy over (a bind mount needs a file)")
    poison = tmp_path / "poison.conf"
    poison.write_text("[global]\nno-index = true\n")
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {fake_pypi.simple_url}\ntrusted-host = {urlsplit(fake_pypi.simple_url).hostname}\n")
    planted = ["unshare", "-m", "--propagation", "private", "sh", "-c", PLANT, "sh", str(poison), target]

    seen = PipClient(tmp_path / "seen", config=conf, launcher=planted, hide_host_config=False).download("numpy")
    hidden = PipClient(tmp_path / "hidden", config=conf, launcher=planted).download("numpy")

    assert not seen.ok, f"the planted {target} (no-index) should break pip when left visible, or this test proves nothing\n{seen}"
    assert hidden.ok and hidden.file("numpy"), f"PipClient should hide {target} from pip\n{hidden}"


def test_only_existing_files_are_named_and_only_when_they_cannot_be_hidden(tmp_path):
    present, absent = tmp_path / "pip.conf", tmp_path / "absent.conf"
    present.write_text("[global]\n")
    files = [str(present), str(absent)]

    assert unhidden_host_configs(None, files) == [], "hidden files need no word"
    assert unhidden_host_configs("needs root", files) == [str(present)]
    assert host_config_warning("needs root", [str(absent)]) == "", "a host without pip configuration needs no word"
    said = host_config_warning("needs root", files)
    assert str(present) in said and str(absent) not in said and "needs root" in said, said


# The child run's namespace made unavailable, as for a user without root, and a host pip.conf planted.
UNAVAILABLE = '''
import fixtures.clients as clients

clients._cannot_hide = lambda: "a private mount namespace needs root (running as uid 1000)"
clients.HOST_PIP_CONFIGS = ({conf!r},)
'''
SCENARIOS = '''
import pytest

@pytest.mark.promise("R1")
@pytest.mark.parametrize("n", [1, 2])
def test_one(n):
    pass
'''


@pytest.mark.parametrize("hidden", [True, False], ids=["root", "not root"])
def test_a_run_that_cannot_hide_the_hosts_pip_conf_says_so_once(hidden, pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    conf = pytester.path / "etc-xdg-pip.conf"
    conf.write_text("[global]\nindex-url = http://example.invalid/\n")
    if not hidden:
        pytester.makeconftest(UNAVAILABLE.format(conf=str(conf)))
    elif unavailable_reason():
        pytest.skip(unavailable_reason())
    pytester.makepyfile(test_scenarios=SCENARIOS)
    result = pytester.runpytest_subprocess("-p", "fixtures.report", "-p", "fixtures.plugin", "-p", "no:cacheprovider")

    said = result.stdout.str()
    if hidden:
        assert "not hidden" not in said, said
    else:
        assert said.count(str(conf)) == 1 and said.count("pip configuration of this host, not hidden") == 1, said
        assert "could not hide them (a private mount namespace needs root (running as uid 1000))" in said, said

