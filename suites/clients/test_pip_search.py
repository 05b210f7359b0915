"""C3, pip.conf's `[search]` section: `pip search` sends an XML-RPC `search` call to the index it names
(`http://localhost:3141/root/local/`). devpi answers that call only with devpi-web installed, and the
guide installs devpi-server and devpi-client alone."""

from __future__ import annotations

import re

import pytest

from fixtures.catalogue import PRIVATE_PROJECT
from fixtures.clients import search


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
    logged = asked.splitlines()
    error = next((line for key in ("Bad request", "ERROR") for line in logged if key in line), "(no error logged)")
    said = [line for line in result.stderr.splitlines() if re.match(r"[\w.]*(Error|Exception)\b", line)]
    figure("C3_pip_search", "fails", f"C3 pip search through {index}: exit status {result.returncode}; devpi logged "
                                     f"{error.strip()!r}")
    finding("C3-pip-search-fails",
            f"`pip search {PRIVATE_PROJECT}` with the deployment's pip.conf ([search] index = {index}) exits with status "
            f"{result.returncode}: devpi-server answers pip's XML-RPC call with an error ({error.strip()!r}) and pip "
            f"says {said[-2:] or result.stderr.strip()[-300:]!r}. XML-RPC search is devpi-web's: install devpi-web beside "
            "devpi-server (`micromamba create --name devpi -- devpi-client devpi-server devpi-web python`) for "
            "`pip search` and a web page at the service's URL, or drop the [search] section and use "
            "`devpi list`/`pip index versions` instead.\n" + str(result))
