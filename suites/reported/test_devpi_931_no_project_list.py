"""devpi/devpi#931 "Issue mirroring private gcloud artifacts pypi index" (2022) and #1041 "Cannot use a mirror
that have do not have a list in /pypi/web/simple" (2024): the upstream serves project pages but answers its
project list (/simple/) with 404; devpi logs "upstream error (... returned 404 Not Found): using stale projects
list" and "The project fda-terraform-api does not exist", and pip says "Could not find a version that satisfies
the requirement numpy (from versions: none)". devpi-server 6.9.0 added a setting, not a new default: "Fix #931:
Add mirror_no_project_list setting for mirror indexes that have no full project list". The guide does not set it
on root/python-local, so an intranet repository without a project list is a finding, with the setting as advice
(checked before it is given)."""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import root_list
from fixtures.effective import not_applicable


@pytest.mark.promise("R2")
@pytest.mark.finding("R2-intranet-without-project-list")
@pytest.mark.reads_setting("mirror_no_project_list")
def test_private_package_from_an_intranet_without_a_project_list(devpi, fresh_local, fake_artifactory, packages,
                                                                 pip_client, project_name, finding, effective_setting):
    # The suite's own advice (offline_advice.py): devpi then never reads the project list this report is about.
    if (setting := effective_setting("root/python-local", "mirror_no_project_list")).value:
        not_applicable(setting, "devpi never asks the intranet for its project list, so a 404 there (#931) cannot "
                                "hide a project")
    name = project_name("private")
    dist = packages.sdist(name, "1.0.0")
    fake_artifactory.publish(dist)
    fake_artifactory.misbehave(root_list("404"), path=r"/simple/$")
    mark = fake_artifactory.log.mark()
    got = pip_client.download(name, index_url=fresh_local.simple_url)
    fake_artifactory.log.assert_requested(r"/simple/$", since=mark,
                                          msg="[R2] precondition: devpi never asked the intranet for its project list")

    if not got.ok and "from versions: none" in got.stderr:
        fresh_local.configure("root/python-local", mirror_no_project_list=True)
        advised = pip_client.download(name, index_url=fresh_local.simple_url)
        assert advised.ok and advised.file(name).sha256 == dist.sha256, (
            f"[R2] with mirror_no_project_list=True on root/python-local pip still did not get {dist.filename}\n{advised}")
        finding("R2-intranet-without-project-list",
                f"the intranet answered its project list with 404 and pip found no version of {name} through root/local "
                f"(#931, #1041); `devpi index root/python-local mirror_no_project_list=True` fixes it (checked: pip then "
                f"gets {dist.filename}), and devpi then asks the intranet for each project's page instead.\n{got}")
    assert got.ok and got.file(name).sha256 == dist.sha256, (
        f"[R2] with the intranet's project list answering 404, pip did not get {dist.filename} (#931)\n{got}")
