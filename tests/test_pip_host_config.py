"""pip in the suite reads the pip.conf it is given and nothing of the host: a global pip.conf planted to
poison it (no-index) breaks pip when the host's files are left visible, and not when PipClient hides them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtures.clients import HOST_PIP_CONFIGS, PipClient
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
