"""X1 and X2 judge deployments: a root/local open to anonymous uploads breaks X1, and the suite's own
advice for login tokens (a persistent secret file) makes that X2 finding go away."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from suite_runs import ROOT

from fixtures.deployment import BUNDLED, Deployment

pytestmark = pytest.mark.selftest


def advice() -> tuple:
    import sys

    sys.path.insert(0, str(ROOT / "suites" / "security"))
    try:
        return importlib.import_module("test_weak_points").SECRET_FILE_ADVICE
    finally:
        sys.path.remove(str(ROOT / "suites" / "security"))


def test_a_root_local_open_to_anonymous_uploads_breaks_x1(tmp_path, run_suite):
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", (
        "configure.sh", "  title='Local: personal index'\n", "  title='Local: personal index' \\\n  acl_upload=:ANONYMOUS:\n"))
    result = run_suite(copy.source, "suites/security", "--promise", "X1")

    assert result.returncode == 1 and result.verdicts == {"X1": "BROKEN"}, result
    assert re.search(r"\[X1\] anonymous could upload to root/local .*answered 200", result.output), result
    assert "could create an index" not in result.output, f"only the upload was opened\n{result}"


def test_the_secret_file_advice_keeps_logins_across_a_restart(tmp_path, run_suite):
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", *advice())
    result = run_suite(copy.source, "suites/security", "-k", "restart or nothing_can_be_changed")

    assert result.returncode == 0, result
    report = json.loads((tmp_path / "verdicts.json").read_text())
    assert report["X2"]["findings"]["X2-tokens-die-at-restart"]["status"] == "not reproduced", result
    assert "authstatus 'ok'" in " ".join(report["X2"]["figures"]), result
    assert result.verdicts["X1"] == "kept", f"the advice must not open anything\n{result}"
