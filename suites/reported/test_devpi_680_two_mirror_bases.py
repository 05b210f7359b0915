"""devpi/devpi#680 "Inherit from multiple indexes, combine packages" (2019): an index with two mirror
bases; "Numpy is available as wheel on root/piwheels ... However, pip uses the source package which is
available on root/pypi." The maintainer: devpi "only uses the first hit and doesn't mix the links".
Fixed in devpi-server 6.0.0: "indexes with multiple mirror bases now work correctly with default secure
whitelist settings." root/local has two mirror bases too; here the wheel is only on the second one,
which the intranet's mirror also serves with Artifactory's absolute links and md5 fragments.

Not reproducible with this deployment: on the affected versions (5.x; checked with 5.5.1, the newest) the
guide's install step installs devpi-server, but devpi-init fails with "ModuleNotFoundError: No module named
'ruamel'" (devpi/devpi#843: every 5.x and 6.0.0 import ruamel.yaml without declaring it, and strictyaml
now vendors its own; 6.0.1 declares it). So docs/reported-matrix.md reads "not set up" for 5.5.1."""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import link_style
from fixtures.clients import index_versions

QUIET = ("--disable-pip-version-check",)


@pytest.mark.promise("R3")
@pytest.mark.devpi_versions(">=6.0.0")
@pytest.mark.parametrize("intranet_links", ["relative", "absolute", "md5"])
def test_files_of_both_mirror_bases_are_combined(intranet_links, fresh_local, fake_pypi, fake_artifactory, packages,
                                                 pip_client, project_name):
    name = project_name("combined")
    wheel = packages.wheel(name, "1.0")
    # 0.8 only on the intranet and 0.9 only on PyPI: the versions pip is offered say whose links devpi kept.
    fake_artifactory.publish(packages.sdist(name, "1.0"), packages.sdist(name, "0.8"))
    fake_pypi.publish(wheel, packages.sdist(name, "0.9"))
    if intranet_links != "relative":
        fake_artifactory.misbehave(link_style(intranet_links), project=name)

    versions, listed = index_versions(pip_client, name, fresh_local.simple_url)
    got = pip_client.download(name, index_url=fresh_local.simple_url, args=QUIET)
    assert sorted(versions) == ["0.8", "0.9", "1.0"], (
        f"[R3] root/local offers {versions}, not the intranet's 0.8 and 1.0 with PyPI's 0.9 and 1.0 ({intranet_links} "
        f"intranet links)\n{listed}")
    assert got.ok and got.file(name).filename == wheel.filename, (
        f"[R3] pip did not get the wheel {wheel.filename} of PyPI (root/local's second mirror base) beside the intranet's "
        f"sdist: the two bases' links were not combined (#680)\n{got}")
