"""PEP 503: an intranet link's data-requires-python reaches pip through root/local, or pip picks what it can't run."""

import pytest

from fixtures.pages import page_links
from fixtures.promises import Finding, precondition

FINDING = Finding("R3-requires-python-dropped", promise="R3", text="devpi's page drops an intranet link's "
                  "data-requires-python: pip picks a release its Python cannot run", advice="upgrade devpi-server")


@pytest.mark.promise("R3")
@pytest.mark.finding("R3-requires-python-dropped")
def test_requires_python_reaches_pip(fresh_local, fake_artifactory, packages, project_name, http, finding):
    dist = packages.sdist(project_name("private"), "2.0", requires_python=">=3.99")
    fake_artifactory.publish(dist)
    _, upstream = page_links(http, f"{fake_artifactory.simple_url}{dist.name}/")
    status, served = page_links(http, f"{fresh_local.simple_url}{dist.name}/")
    precondition([link.requires_python for link in upstream] == [">=3.99"], f"the intranet's links: {upstream}")
    assert [link.filename for link in served] == [dist.filename], f"root/local's page ({status}): {served}"
    if served[0].requires_python is None:
        finding("R3-requires-python-dropped", f"root/local's link: {served[0]}")
    assert served[0].requires_python == ">=3.99", f"root/local's link: {served[0]}"
