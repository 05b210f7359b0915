"""C3, pip.conf's `[search]` section: `pip search` sends an XML-RPC `search` call to the index it names
(`http://localhost:3141/root/local/`). devpi answers that call only with devpi-web installed, and the
guide installs devpi-server and devpi-client alone. Only that exact refusal is the finding
(search_answers.py); any other failure of `pip search` fails C3."""

from __future__ import annotations

import re

import pytest

from fixtures.catalogue import PRIVATE_PROJECT
from fixtures.clients import search
from suites.clients.search_answers import DEVPI_REFUSES, xmlrpc_refused


@pytest.mark.promise("C3")
@pytest.mark.finding("C3-pip-search-fails")
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
    assert known, (
        f"[C3] pip search through {index} failed (exit status {result.returncode}), and not as the known finding (devpi "
        f"answering pip's XML-RPC call 400 {DEVPI_REFUSES!r}, nothing else in its log): devpi logged\n{asked}\n{result}")
    figure("C3_pip_search", "fails", f"C3 pip search through {index}: exit status {result.returncode}; {known}")
    finding("C3-pip-search-fails",
            f"`pip search {PRIVATE_PROJECT}` with the deployment's pip.conf ([search] index = {index}) exits with status "
            f"{result.returncode}: devpi-server refuses pip's XML-RPC call ({known}). XML-RPC search is devpi-web's: install devpi-web beside "
            "devpi-server (`micromamba create --name devpi -- devpi-client devpi-server devpi-web python`) for "
            "`pip search` and a web page at the service's URL, or drop the [search] section and use "
            "`devpi list`/`pip index versions` instead.\n" + str(result))
