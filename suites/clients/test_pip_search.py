"""C3, pip.conf's `[search]` section: `pip search` sends an XML-RPC `search` call to the index it names
(`http://localhost:3141/root/local/`). devpi answers that call only with devpi-web installed, and the
guide installs devpi-server and devpi-client alone. Only that exact refusal is the finding
(search_answers.py); any other failure of `pip search` fails C3. With devpi-web installed (that finding's
advice, a sound change of tests/) devpi answers, and gives a project it has not fetched yet the version '',
on which pip stops: that exact answer is a finding of its own."""

from __future__ import annotations

import re

import pytest

from fixtures.catalogue import PRIVATE_PROJECT
from fixtures.clients import search
from fixtures.promises import Finding
from suites.clients.search_answers import DEVPI_REFUSES, empty_version_refused, xmlrpc_hits, xmlrpc_refused

UNCACHED_VERSION = Finding(
    "C3-pip-search-uncached-version", promise="C3",
    text="with devpi-web installed, `pip search` stops with pip's InvalidVersion '' whenever a hit is a project devpi "
         "has not fetched yet: devpi-web gives it the version ''",
    advice="install (or download) a project through devpi before searching for it, or drop pip.conf's [search] section "
           "and use `devpi list` or `pip index versions` instead")


@pytest.mark.promise("C3")
@pytest.mark.finding("C3-pip-search-fails", "C3-pip-search-uncached-version")
def test_pip_search_through_the_guides_search_index(devpi, pip_client, finding, figure):
    mark = devpi.log_size()
    result = search(pip_client, PRIVATE_PROJECT)
    asked = devpi.log_tail(200, since=mark)

    index = devpi.index_url("root/local").removesuffix("+simple/")
    assert re.search(r"POST /root/local/?\s*$", asked, re.M), (
        f"[C3] precondition: pip search did not ask devpi's root/local ({index}, pip.conf's [search] index)\n{asked}\n{result}")
    if result.ok:
        assert PRIVATE_PROJECT in result.stdout, f"[C3] pip search through {index} did not list {PRIVATE_PROJECT}\n{result}"
        figure("C3_pip_search", "works", f"C3 pip search through pip.conf's [search] index {index} lists {PRIVATE_PROJECT}")
        return
    known = xmlrpc_refused(index, result.stderr, asked)
    if not known and (empty := empty_version_refused(result.stderr, xmlrpc_hits(index, PRIVATE_PROJECT), asked)):
        figure("C3_pip_search", "fails", f"C3 pip search through {index}: exit status {result.returncode}; {empty}")
        finding("C3-pip-search-uncached-version", f"`pip search {PRIVATE_PROJECT}` through {index} exits with status "
                f"{result.returncode}: {empty}.\n" + str(result))
        return
    assert known, (
        f"[C3] pip search through {index} failed (exit status {result.returncode}), and not as the known finding (devpi "
        f"answering pip's XML-RPC call 400 {DEVPI_REFUSES!r}, nothing else in its log): devpi logged\n{asked}\n{result}")
    figure("C3_pip_search", "fails", f"C3 pip search through {index}: exit status {result.returncode}; {known}")
    finding("C3-pip-search-fails",
            f"`pip search {PRIVATE_PROJECT}` with the deployment's pip.conf ([search] index = {index}) exits with status "
            f"{result.returncode}: devpi-server refuses pip's XML-RPC call ({known}). XML-RPC search is devpi-web's: install devpi-web beside "
            "devpi-server (`micromamba create --name devpi -- devpi-client devpi-server devpi-web python`) for "
            "`pip search` and a web page at the service's URL (checked: devpi then answers; pip still stops on a project "
            "devpi has not fetched yet, C3-pip-search-uncached-version), or drop the [search] section and use "
            "`devpi list`/`pip index versions` instead.\n" + str(result))
