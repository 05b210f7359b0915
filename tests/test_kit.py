"""The kit's small helpers (docs/kit.md): a simple page's links, devpi's log since a mark, a precondition."""

from __future__ import annotations

import types

import pytest

from fixtures.devpi import DevpiServer
from fixtures.pages import Link, links
from fixtures.promises import Finding, precondition

PAGE = """<!DOCTYPE html><html><body><h1>Links for demo</h1>
<a href="../../../../root/pypi/+f/abc/demo-1.0.tar.gz#sha256=00ff" data-requires-python="&gt;=3.8">demo-1.0.tar.gz</a><br>
<a data-yanked="" href='../../root/pypi/+f/def/demo-0.9-py3-none-any.whl'>demo-0.9-py3-none-any.whl</a>
<a href="https://files.example/demo%2B1-2.0.zip#md5=11" data-yanked="broken &amp; withdrawn">demo+1-2.0.zip</a>
<a name="no-href">an anchor</a>
</body></html>"""


def test_a_simple_pages_links_are_parsed_not_counted():
    found = links(PAGE, "http://localhost:3141/root/local/+simple/demo/")

    assert found[0] == Link(href="../../../../root/pypi/+f/abc/demo-1.0.tar.gz#sha256=00ff",
                            url="http://localhost:3141/root/pypi/+f/abc/demo-1.0.tar.gz", filename="demo-1.0.tar.gz",
                            sha256="00ff", requires_python=">=3.8", yanked=None, text="demo-1.0.tar.gz")
    assert (found[1].filename, found[1].sha256, found[1].yanked) == ("demo-0.9-py3-none-any.whl", "", "")
    assert (found[2].filename, found[2].sha256, found[2].yanked) == ("demo+1-2.0.zip", "", "broken & withdrawn")
    assert len(found) == 3  # the anchor without href is no link


def test_a_page_without_links_has_none():
    assert links("<html><body><h1>not found</h1></body></html>") == []


def test_log_since_gives_what_devpi_wrote_after_the_mark(tmp_path):
    log = tmp_path / "devpi.log"
    server = types.SimpleNamespace(log_path=log, log_size=lambda: log.stat().st_size if log.exists() else 0)
    assert DevpiServer.log_since(server, 0) == ""  # no log yet
    log.write_text("before\n")
    mark = DevpiServer.log_size(server)
    log.write_text("before\n" + "".join(f"line {i}\n" for i in range(500)))
    assert DevpiServer.log_since(server, mark) == "".join(f"line {i}\n" for i in range(500))  # whole, not a tail
    log.write_text("a new log\n")  # the job's output started again
    assert DevpiServer.log_since(server, mark + 100) == "a new log\n"


def test_a_precondition_names_its_promise_when_told_and_is_silent_when_true():
    precondition(True, "never said")
    with pytest.raises(AssertionError, match=r"^precondition: the intranet was never asked$"):
        precondition(False, "the intranet was never asked")  # the test's marker names it (tests/test_findings.py)
    with pytest.raises(AssertionError, match=r"^\[O1\] precondition: x$"):
        precondition([], "x", promise="O1")
    with pytest.raises(ValueError, match="unknown promise"):
        precondition(True, "x", promise="Q9")


def test_a_finding_names_a_known_promise_and_starts_with_it():
    with pytest.raises(ValueError, match="unknown promise"):
        Finding("Q9-x", promise="Q9", text="t")
    with pytest.raises(ValueError, match="starts with its promise"):
        Finding("R3-x", promise="R2", text="t")
