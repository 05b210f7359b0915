"""The guide's own Validation section, run for real: numpy from PyPI and private-package from
the intranet through root/local, then private-package again with the intranet gone."""

from __future__ import annotations

import pytest

from fake_upstreams.behaviours import refuse
from fixtures.catalogue import PRIVATE_PROJECT, PRIVATE_VERSION, PUBLIC_PROJECT, PUBLIC_VERSION


@pytest.mark.promise("R1")
def test_numpy_comes_from_pypi_through_root_local(devpi, fake_pypi, pip_client):
    result = pip_client.download(PUBLIC_PROJECT, args=("--prefer-binary",))

    assert result.ok, f"[R1] pip could not download {PUBLIC_PROJECT} through root/local\n{result}"
    numpy = result.file(PUBLIC_PROJECT)
    assert numpy.version == PUBLIC_VERSION, f"[R1] expected the newest {PUBLIC_PROJECT} on PyPI\n{result}"
    assert numpy.filename.endswith(".whl"), f"[R1] --prefer-binary should give the wheel\n{result}"
    assert numpy.url.startswith(devpi.url), f"[R1] pip fetched {PUBLIC_PROJECT} from outside devpi\n{result}"
    assert numpy.served_by == "root/pypi", f"[R1] expected the file from root/pypi\n{result}"
    assert numpy.sha256 == fake_pypi.sha256(numpy.filename), f"[R1] pip's file differs from PyPI's\n{result}"


@pytest.mark.promise("R2")
def test_private_package_comes_from_the_intranet_through_root_local(devpi, fake_artifactory, pip_client):
    result = pip_client.download(PRIVATE_PROJECT)

    assert result.ok, f"[R2] pip could not download {PRIVATE_PROJECT} through root/local\n{result}"
    private = result.file(PRIVATE_PROJECT)
    assert private.version == PRIVATE_VERSION, f"[R2] expected the newest {PRIVATE_PROJECT} on the intranet\n{result}"
    assert private.served_by == "root/python-local", f"[R2] expected the file from root/python-local\n{result}"
    assert private.sha256 == fake_artifactory.sha256(private.filename), f"[R2] pip's file differs from the intranet's\n{result}"


@pytest.mark.promise("O1")
def test_private_package_is_still_served_when_the_intranet_refuses(devpi, fake_artifactory, pip_client):
    online = pip_client.download(PRIVATE_PROJECT)
    assert online.ok, f"[O1] precondition: pip could not download {PRIVATE_PROJECT} while online\n{online}"

    with fake_artifactory.misbehave(refuse()):
        offline = pip_client.download(PRIVATE_PROJECT)

    assert offline.ok, f"[O1] with the intranet refusing connections, pip could not get the cached {PRIVATE_PROJECT}\n{offline}"
    before, after = online.file(PRIVATE_PROJECT), offline.file(PRIVATE_PROJECT)
    assert (after.version, after.sha256) == (before.version, before.sha256), (
        f"[O1] offline pip got another file than the one fetched online\nonline:\n{online}\noffline:\n{offline}"
    )
