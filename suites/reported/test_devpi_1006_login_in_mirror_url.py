"""devpi/devpi#1006 "Cannot load packages when use base auth in gitlab registry mirror" (2023): a mirror index
whose mirror_url carries a user and a token, and an upstream whose project list links each project by an
absolute URL; "Gitlab always return package link without username and password", and devpi, comparing each
link's host with the mirror_url's credentials included, dropped every project: pip found none. Fixed in
devpi-server 6.10.0: "Only compare hostname instead of full URL prefix when parsing mirror packages to fix
mirrors with basic authentication and absolute URLs." An Artifactory that needs a login gets its token in
root/python-local's mirror_url the same way; here the intranet's project list has absolute links."""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import root_list
from fixtures.effective import not_applicable


@pytest.mark.promise("R2")
@pytest.mark.devpi_versions(">=6.10.0")
@pytest.mark.reads_setting("mirror_no_project_list")
def test_private_package_through_a_mirror_url_with_a_login(devpi, fresh_local, fake_artifactory, packages, pip_client,
                                                            project_name, effective_setting):
    # The suite's own advice (offline_advice.py): devpi then never reads the project list whose links #1006 dropped.
    if (setting := effective_setting("root/python-local", "mirror_no_project_list")).value:
        not_applicable(setting, "devpi never reads the intranet's project list, whose absolute links #1006 is about")
    name = project_name("private")
    dist = packages.sdist(name, "1.0.0")
    fake_artifactory.publish(dist)
    fake_artifactory.misbehave(root_list("absolute"), path=r"/simple/$")
    with_login = fake_artifactory.simple_url.replace("http://", "http://deploy-bot:secret-token@")
    fresh_local.configure("root/python-local", mirror_url=with_login)
    mark = fake_artifactory.log.mark()
    got = pip_client.download(name, index_url=fresh_local.simple_url)
    fake_artifactory.log.assert_requested(r"/simple/$", since=mark,
                                          msg="[R2] precondition: devpi never read the intranet's project list")
    assert got.ok and got.file(name).sha256 == dist.sha256, (
        f"[R2] with a login in root/python-local's mirror_url and absolute links in the intranet's project list, pip did "
        f"not get {dist.filename} through root/local: devpi dropped the links whose URL lacks the login (#1006)\n{got}")
