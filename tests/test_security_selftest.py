"""X1 judges deployments: a root/local open to anonymous uploads, or to any registered user, breaks X1.
(X2's advice, a persistent secret file, is a sound change of tests/deployment_changes.py.)"""

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


@pytest.mark.breaks("X1")
def test_a_root_local_open_to_every_registered_user_breaks_x1(tmp_path, run_suite):
    """`acl_upload=:AUTHENTICATED:`: anonymous and forged logins are still refused, but anybody can register a
    user on a default devpi and then upload to root/local."""
    copy = Deployment(BUNDLED).copy_with(tmp_path / "deployment", (
        "configure.sh", "  title='Local: personal index'\n",
        "  title='Local: personal index' \\\n  acl_upload=:AUTHENTICATED:\n"))
    result = run_suite(copy.source, "suites/security/test_access.py::test_without_the_root_password_nothing_can_be_changed",
                       "--promise", "X1", "-v")

    assert result.returncode == 1 and result.verdicts == {"X1": "BROKEN"}, result
    assert re.search(r"\[X1\] a registered user could upload to root/local .*answered 200", result.output), result
    assert re.search(r"nothing_can_be_changed\[anonymous\] PASSED", result.output), (
        f"anonymous uploads are still refused: only the registered user should get through\n{result}")
    assert "could create an index" not in result.output, f"only the upload was opened\n{result}"
