"""The offline suite judges deployments: on a copy whose root/python-local keeps none of the files it
serves (`mirror_use_external_urls=True`, as the guide sets for root/pypi only), O1 must be BROKEN, and
the failure must tell a person on call which promise broke and what happened."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.selftest

# One O1 scenario (refused: no timeouts to wait for) is enough to judge the copy; the full matrix
# runs in the conformance suite itself.
O1_REFUSED = "test_a_private_package_fetched_once_is_served_while_the_intranet_is_gone and refused"


def test_a_python_local_that_keeps_no_files_breaks_o1_with_a_readable_message(broken_copy, run_suite):
    copy = broken_copy("configure.sh", "  volatile=False\n", "  volatile=False \\\n  mirror_use_external_urls=True\n")
    result = run_suite(copy, "suites/offline", "-k", O1_REFUSED)

    assert result.returncode == 1, f"the offline suite should fail on a python-local that keeps no files\n{result}"
    assert result.verdicts == {"O1": "BROKEN"}, f"only O1 was selected, and it should be BROKEN\n{result}"
    assert re.search(r"BROKEN\s+O1\b", result.output), f"the summary should name O1\n{result}"
    message = re.search(r"^E\s+AssertionError: (\[O1\].*)$", result.output, re.M)
    assert message, f"the failure should be an assertion that starts with [O1]\n{result}"
    first_line = message[1]
    assert "the intranet refuses connections" in first_line, f"the message should say how the intranet went: {first_line}"
    assert "could not get" in first_line and "while the intranet was up" in first_line, (
        f"the message should say pip could not get what it downloaded while online: {first_line}")
    assert "NO copy of it" in result.output and "mirror_use_external_urls=True" in result.output, (
        f"the message should say that devpi kept no copy of the file, and which setting decides it\n{result}")
    assert re.search(r"pip says: .*(refused|connection-failed)", result.output, re.S), (
        f"the message should quote pip's own error\n{result}")
