"""X1 judges deployments: a root/local open to anonymous uploads breaks X1. (X2's advice, a persistent
secret file, is a sound change of tests/deployment_changes.py.)"""

from __future__ import annotations

import re

import pytest

from fixtures.deployment import BUNDLED, Deployment

pytestmark = pytest.mark.selftest


@pytest.mark.breaks("X1")
def test_a_root_local_open_to_anonymous_uploads_breaks_x1(tmp_path, run_suite):
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", (
        "configure.sh", "  title='Local: personal index'\n", "  title='Local: personal index' \\\n  acl_upload=:ANONYMOUS:\n"))
    result = run_suite(copy.source, "suites/security", "--promise", "X1")

    assert result.returncode == 1 and result.verdicts == {"X1": "BROKEN"}, result
    assert re.search(r"\[X1\] anonymous could upload to root/local .*answered 200", result.output), result
    assert "could create an index" not in result.output, f"only the upload was opened\n{result}"
