"""C3: pip with the deployment's pip.conf as its only configuration (the host's global and site files
hidden, tests/test_pip_host_config.py) installs through devpi's root/local, as the guide's user does."""

from __future__ import annotations

import pytest

from fixtures.catalogue import PRIVATE_PROJECT, PUBLIC_PROJECT


@pytest.mark.promise("C3")
def test_pip_with_only_the_deployments_pip_conf_installs_through_root_local(devpi, pip_client):
    result = pip_client.download(PRIVATE_PROJECT, PUBLIC_PROJECT, args=("--prefer-binary",))

    assert result.ok, f"[C3] pip configured by the deployment's pip.conf alone could not download through devpi\n{result}"
    assert result.index_url == devpi.index_url("root/local"), f"[C3] pip.conf names {result.index_url!r}\n{result}"
    served = {name: result.file(name).served_by for name in (PRIVATE_PROJECT, PUBLIC_PROJECT)}
    assert served == {PRIVATE_PROJECT: "root/python-local", PUBLIC_PROJECT: "root/pypi"}, f"[C3] served by {served}\n{result}"
    assert all(result.file(n).url.startswith(devpi.url) for n in served), f"[C3] pip fetched from outside devpi\n{result}"
