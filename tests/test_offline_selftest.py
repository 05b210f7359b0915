"""The offline suite judges deployments: on a copy whose root/python-local keeps none of the files it
serves (`mirror_use_external_urls=True`, as the guide sets for root/pypi only), O1 must be BROKEN where it
makes its promise — with the intranet gone, not while it is up — the failure must tell a person on call
which promise broke and why, and the promises this copy does not touch must hold."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.selftest

# The refused way only (no timeouts to wait for); the scenario that checks O1 and O4 together is left out,
# so each promise's verdict comes from its own scenarios: O1 (cached copy), O2 (never fetched), O6 (public).
REFUSED = "refused and not comes_back"


@pytest.mark.breaks("O1")
def test_a_python_local_that_keeps_no_files_breaks_o1_with_a_readable_message(broken_copy, run_suite):
    copy = broken_copy("configure.sh", "  volatile=False\n", "  volatile=False \\\n  mirror_use_external_urls=True\n")
    result = run_suite(copy, "suites/offline", "-k", REFUSED)

    assert result.returncode == 1, f"the offline suite should fail on a python-local that keeps no files\n{result}"
    assert result.verdicts.get("O1") == "BROKEN", f"O1 should be BROKEN\n{result}"
    assert re.search(r"BROKEN\s+O1\b", result.output), f"the summary should name O1\n{result}"
    messages = re.findall(r"^E\s+AssertionError: (\[O\d\].*)$", result.output, re.M)
    assert messages, f"the failure should be an assertion that starts with the promise's id\n{result}"
    assert all(m.startswith("[O1]") for m in messages), f"only O1 should fail: {messages}\n{result}"
    first_line = messages[0]
    assert "precondition" not in first_line, (
        f"O1 should break on the offline behaviour, not on its online precondition: {first_line}\n{result}")
    assert "the intranet refuses connections" in first_line, f"the message should say how the intranet went: {first_line}"
    assert "could not get" in first_line and "while the intranet was up" in first_line, (
        f"the message should say pip could not get what it downloaded while online: {first_line}")
    assert "NO copy of it" in result.output and "mirror_use_external_urls=True" in result.output, (
        f"the message should say that devpi kept no copy of the file, and which setting decides it\n{result}")
    assert re.search(r"pip says: .*(refused|connection-failed)", result.output, re.S), (
        f"the message should quote pip's own error\n{result}")
    assert result.verdicts.get("O2") == "kept", f"a never-fetched private package is still not found promptly\n{result}"
    assert result.verdicts.get("O6") in ("kept", "finding"), f"public packages still install\n{result}"
    assert set(result.verdicts) == {"O1", "O2", "O6"}, f"the selection should check O1, O2 and O6 only\n{result}"
