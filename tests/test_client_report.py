"""A failure report shows every client run of the failing test: `pip_client` in a test with servers of its own
(`make_devpi`), which no longer starts the session's devpi for a run that names its index, and a client a
scenario built by hand; never a run of another test."""

from __future__ import annotations

import re

import pytest
from suite_runs import ROOT

pytestmark = pytest.mark.selftest

SCENARIOS = '''
from fixtures.clients import PipClient
from fixtures.servers import free_port

NOWHERE = f"http://127.0.0.1:{free_port()}/simple/"  # nothing listens: refused at once
ARGS = ("--retries", "0", "--timeout", "2")


def test_pip_client_with_a_server_of_its_own(make_devpi, pip_client):
    got = pip_client.download("wanted-by-fixture", index_url=NOWHERE, args=ARGS)
    assert got.ok, "[R1] pip_client in a test with make_devpi"


def test_client_built_by_hand(tmp_path):
    got = PipClient(tmp_path / "by-hand").download("wanted-by-hand", index_url=NOWHERE, args=ARGS)
    assert got.ok, "[R1] a client built by hand"


def test_without_a_client():
    assert False, "[R1] no client here"
'''


def failure_sections(output: str) -> dict[str, str]:
    """test name -> its part of the FAILURES section."""
    parts = re.split(r"^_{3,} (test_\w+) _{3,}$", output.split("= FAILURES =", 1)[-1], flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_client_runs_of_each_failing_test_are_in_its_report(pytester, monkeypatch, devpi_prefix, devpi_server_version):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_clients_in_report=SCENARIOS)
    result = pytester.runpytest_subprocess("-p", "fixtures.report", "-p", "fixtures.plugin", "-p", "no:cacheprovider",
                                           "--devpi-prefixes", str(devpi_prefix.parent),
                                           "--devpi-server-version", str(devpi_server_version))

    result.assert_outcomes(failed=3)
    sections = failure_sections(result.stdout.str())
    assert set(sections) == {"test_pip_client_with_a_server_of_its_own", "test_client_built_by_hand",
                             "test_without_a_client"}, result.stdout.str()
    fixture, by_hand, none = (sections[name] for name in ("test_pip_client_with_a_server_of_its_own",
                                                          "test_client_built_by_hand", "test_without_a_client"))
    assert re.search(r"- pip runs -+\n.*wanted-by-fixture", fixture, re.S), fixture
    assert "devpi-server log" not in fixture, f"the session's devpi was started for a run that named its index:\n{fixture}"
    assert re.search(r"- pip runs \(.*by-hand\) -+\n.*wanted-by-hand", by_hand, re.S), by_hand
    assert "wanted-by-fixture" not in by_hand, by_hand
    assert "pip runs" not in none, f"another test's runs in the report of a test without a client:\n{none}"
    assert "starting devpi-server" not in result.stdout.str() + result.stderr.str(), result.stdout.str()
