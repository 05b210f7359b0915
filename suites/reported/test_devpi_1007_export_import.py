"""devpi/devpi#1007 "Need help upgrading from 4.4.0 to current" (2023, open): a caching-only devpi exported with
--include-mirrored-files to move to a newer devpi-server "does not include any of the files it's downloaded
from pypi over the years. It just makes a tiny (655 byte) export file and copies nothing." The maintainer: the
option "needs updated database metadata which only trickles in during usage". No release names a fix. The
guide's upgrade to devpi-server 7 needs this export and import (finding S4-upgrade-needs-export): here a server
directory whose root/python-local cached a private file is exported (with the devpi-server of --upgrade-from A
when given, else the version under test) and imported into the version under test, and the file must still be
served with the intranet gone, through root/local and by the URL a lock file (uv's pylock.toml) recorded.

devpi-export's default keeps no mirrored file; the lock file's URL into the re-created root/python-local was
then "not found" even with the intranet up, until devpi-server 6.20.3: "Fix fetching files from re-created
mirrors (for example after import or delete and create) without fetching simple project page first. This
happens when uv uses a package URL directly from a lock file.\""""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import refuse
from fixtures.clients import PipClient


# Both scenarios export the same stopped server directory, each its own way: it is set up, started and filled
# once, in one worker (fixtures/sharing.py), by the factory itself since make_devpi's servers end with their test.
pytestmark = pytest.mark.xdist_group("devpi-1007")


@pytest.fixture(scope="module")
def cached(devpi_factory, exporting_prefix, fake_artifactory, packages, tmp_path_factory):  # noqa: ANN001
    """A server whose root/python-local cached a private file, and pip's download of it (file URL and hash).
    The scenarios stop it (an export needs a stopped server) and export it; neither changes its directory."""
    name = "private-devpi-1007-export"
    dist = packages.sdist(name, "1.0.0")
    fake_artifactory.publish(dist)
    with devpi_factory.server(prefix=exporting_prefix) as old:
        got = PipClient(tmp_path_factory.mktemp("pip-1007")).download(name, index_url=old.index_url("root/local"))
        assert got.ok and got.file(name).sha256 == dist.sha256, f"[S4] precondition: pip could not download {name}\n{got}"
        yield old, got.file(name)


@pytest.mark.promise("S4")
def test_cached_private_file_is_served_after_export_and_import_with_mirrored_files(cached, make_devpi, fake_artifactory,
                                                                                  pip_client):
    old, file = cached
    new = make_devpi(imported_from=old, mirrored_files=True)
    with fake_artifactory.misbehave(refuse()):
        listed = pip_client.download(file.name, index_url=new.index_url("root/local"))
        locked = pip_client.download(file.url.replace(old.url, new.url), index_url=new.index_url("root/local"))
    assert listed.ok and listed.file(file.name).sha256 == file.sha256, (
        f"[S4] after devpi-export --include-mirrored-files and devpi-import, pip did not get the cached {file.filename} "
        f"through root/local with the intranet gone: the export left it out (#1007)\n{listed}")
    assert locked.ok and locked.file(file.name).sha256 == file.sha256, (
        f"[S4] after export and import with mirrored files, the URL pip had ({file.url}, on the new server) did not "
        f"serve the cached {file.filename} with the intranet gone (#1007)\n{locked}")


@pytest.mark.promise("S4")
@pytest.mark.devpi_versions(">=6.20.3")
def test_a_lock_files_url_works_after_export_and_import_without_mirrored_files(cached, make_devpi, fake_artifactory,
                                                                               pip_client):
    old, file = cached
    new = make_devpi(imported_from=old, mirrored_files=False)
    mark = fake_artifactory.log.mark()
    locked = pip_client.download(file.url.replace(old.url, new.url), index_url=new.index_url("root/local"))
    assert fake_artifactory.log.matching(rf"{file.filename}$", since=mark) or not locked.ok, (
        f"[S4] precondition: {file.filename} was served without asking the intranet: the export kept it after all")
    assert locked.ok and locked.file(file.name).sha256 == file.sha256, (
        f"[S4] after devpi-export (no mirrored files) and devpi-import, the URL a lock file recorded for {file.filename} "
        f"was not served with the intranet up: devpi did not fetch the project it names (fixed in 6.20.3)\n{locked}")
