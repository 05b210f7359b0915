"""The harness's guard for the guide's other clients: a tool that ignores the file under test falls back to
its default index, the real PyPI, and must fail at once instead of reaching it."""

from __future__ import annotations

import subprocess
import sys

from fixtures.clients import hiding_host_config
from fixtures.legacy_clients import NOWHERE, guarded_env


def test_a_client_that_looks_beyond_loopback_is_refused_at_the_proxy(tmp_path):
    env = guarded_env(tmp_path / "home")
    done = subprocess.run([*hiding_host_config(sys.executable), sys.executable, "-m", "pip", "download", "--no-deps",
                           "--retries", "1", "--timeout", "5", "--dest", str(tmp_path / "files"), "--", "pip"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)

    assert env["PIP_CONFIG_FILE"] == "/dev/null" and "localhost" in env["NO_PROXY"]
    assert done.returncode != 0, f"pip reached an index beyond loopback through the guard:\n{done.stdout}{done.stderr}"
    port = NOWHERE.rsplit(":", 1)[1]
    assert f"port={port}" in done.stdout + done.stderr, (
        f"pip failed, but not at the guard's proxy {NOWHERE}:\n{done.stdout}{done.stderr}")
