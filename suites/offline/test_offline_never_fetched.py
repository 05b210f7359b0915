"""O2: "If private-package has never been downloaded before, then private-package is not found and
we stop here, with pip reporting that private-package could not be found" — promptly, and without
holding up the public packages a user installs at the same moment.

What bounds pip's wait (devpi_server/mirror.py): the project is on the intranet's project list
devpi read while online, so root/python-local asks the intranet for the project's page
(`get_simplelinks_perstage`, bounded by --request-timeout); the failure (`UpstreamError`) is caught
by root/local (`op_sro_check_mirror_whitelist`: "Assume it does not exist") and root/local answers
404, which pip reports as "No matching distribution found". A public package is looked up in the
same root/python-local first, but its name is not on the cached project list, so devpi goes
straight to root/pypi. With mirror_no_project_list=True on root/python-local devpi reads no list and
asks the intranet for both pages instead; the failure and the bound are the same.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from fixtures.catalogue import PUBLIC_PROJECT, PUBLIC_VERSION
from fixtures.clients import PipClient
from suites.offline.offline_checks import assert_not_found
from fixtures.upstreams import WAYS
from suites.offline.offline_intranets import PYPI


@pytest.mark.promise("O2")
@pytest.mark.parametrize("intranet", WAYS, indirect=True)
@pytest.mark.reads_setting("request_timeout")
def test_a_private_package_never_fetched_is_not_found_and_public_ones_still_install(
        intranet, pip_client, packages, project_name, fake_pypi, devpi_settings, tmp_path, figure, watch):
    """A user who used the intranet before (devpi read its project list) but never downloaded this
    private package is offline now: pip says the package cannot be found, within a bound, while
    the public package the user installs at the same moment still comes from PyPI through root/local."""
    indexes = intranet.fresh_indexes()
    used, never = project_name("used"), project_name("never")
    intranet.upstream.publish(packages.sdist(used, "1.0.0"), packages.sdist(never, "1.0.0"))
    watch(intranet.devpi, intranet.upstream, f"{intranet.way} scenario")
    online = pip_client.download(used, index_url=indexes.simple_url)
    assert online.ok, f"[O2] precondition: pip could not download {used} while the intranet was up\n{online}"
    public_client = PipClient(tmp_path / "pip-public", config=devpi_settings.pip_conf)

    with intranet.gone(), ThreadPoolExecutor(2) as pool:
        private_run = pool.submit(pip_client.download, never, index_url=indexes.simple_url)
        public_run = pool.submit(public_client.download, PUBLIC_PROJECT, index_url=indexes.simple_url,
                                 args=("--prefer-binary",))
        private, public = private_run.result(), public_run.result()

    bound = intranet.pip_bound(upstream_asked=True)
    assert_not_found("O2", intranet.gone_means, private, never, bound=bound,
                     bound_why=f"pip's own work plus devpi's request timeout of {intranet.options.request_timeout} s, "
                               f"for the page and for pip's self-check" if intranet.waits else "devpi fails at once")
    assert public.ok, (f"[O2] {intranet.gone_means}: the public {PUBLIC_PROJECT}, downloaded at the same moment, "
                       f"failed; an intranet outage must not break PyPI packages\n{public}")
    numpy = public.file(PUBLIC_PROJECT)
    assert (numpy.version, numpy.served_by) == (PUBLIC_VERSION, indexes.clone_of(PYPI)), (
        f"[O2] {intranet.gone_means}: expected {PUBLIC_PROJECT} {PUBLIC_VERSION} from {indexes.clone_of(PYPI)}\n{public}")
    assert numpy.sha256 == fake_pypi.sha256(numpy.filename), f"[O2] {PUBLIC_PROJECT} differs from PyPI's file\n{public}"
    assert public.seconds <= bound, (f"[O2] {intranet.gone_means}: the public {PUBLIC_PROJECT} took {public.seconds:.1f} s, "
                                     f"more than the {bound:.0f} s allowed\n{public}")
    figure(f"O2_{intranet.way}_pip_seconds", round(private.seconds, 1),
           f"O2 {intranet.way}: pip said 'not found' for a never-fetched private package in {private.seconds:.1f} s; "
           f"{PUBLIC_PROJECT} at the same moment took {public.seconds:.1f} s")
