"""O5: public packages need PyPI. The guide's root/pypi is pass-through
(`mirror_use_external_urls=True`): devpi keeps PyPI's pages but not its files, and answers a file
request with a redirect to PyPI's own URL (devpi_server/views.py, the +f/ view for an uncached
mirror file with `use_external_url`). With PyPI gone, pip can still read the page but cannot get
the file: a failure, and it must say so clearly. Private packages do not touch PyPI's files, so
they must keep installing.

What bounds the failure: pip's own retries (5 retries with back-off for connection errors and for
500/502/503/520/527 answers, pip's `--retries` default), not devpi's timeouts. A PyPI that accepts
and never answers is left out: pip would retry its 15 s read timeout five times, minutes of pip's
own behaviour that say nothing about the deployment. Measured with pip 26.3: a refusal ends in
pip's "connection-failed" error naming the file's URL; 503 answers end in a traceback whose last
line names the file and "too many 503 error responses" (pip's rendering, not the deployment's).
"""

from __future__ import annotations

import re

import pytest

from fake_upstreams.behaviours import error_5xx, refuse
from fixtures.catalogue import PUBLIC_PROJECT
from suites.offline.offline_checks import assert_served_same_file, pip_errors
from suites.offline.offline_intranets import PYPI, PYTHON_LOCAL

PIP_RETRIES_BOUND = 60.0  # pip's 5 retries with 0.25 s back-off take ~8 s; the rest is pip's own work

PYPI_WAYS = {"refuse": (refuse, "PyPI refuses connections"), "5xx": (error_5xx, "PyPI answers 503 Service Unavailable")}


@pytest.mark.promise("O5")
@pytest.mark.parametrize("way", list(PYPI_WAYS))
@pytest.mark.reads_setting("mirror_use_external_urls")
def test_a_pypi_outage_fails_public_packages_clearly_and_spares_private_ones(way, devpi, fresh_local, fake_pypi,
                                                                            fake_artifactory, pip_client, packages,
                                                                            project_name, watch, figure, effective_setting):
    """With the intranet up and PyPI gone, `pip download numpy` fails with an error that names numpy
    and what went wrong (no PyPI copy exists: pass-through), while a private package downloaded
    before still comes, same file, from root/python-local."""
    name = project_name("private")
    dist = packages.sdist(name, "1.0.0")
    fake_artifactory.publish(dist)
    watch(devpi, fake_pypi, "PyPI")
    public_online = pip_client.download(PUBLIC_PROJECT, index_url=fresh_local.simple_url, args=("--prefer-binary",))
    private_online = pip_client.download(name, index_url=fresh_local.simple_url)
    assert public_online.ok and private_online.ok, f"[O5] precondition failed\n{public_online}\n{private_online}"
    assert public_online.file(PUBLIC_PROJECT).served_by == fresh_local.clone_of(PYPI), f"[O5] precondition\n{public_online}"

    gone, means = PYPI_WAYS[way]
    with fake_pypi.misbehave(gone()):
        public = pip_client.download(PUBLIC_PROJECT, index_url=fresh_local.simple_url, args=("--prefer-binary",))
        private = pip_client.download(name, index_url=fresh_local.simple_url)

    situation = f"{means} while the intranet is up"
    assert_served_same_file("O5", situation, private, private_online.file(name), bound=10.0,
                            bound_why="pip's own work; devpi keeps PyPI's project list and does not ask for it")
    assert private.file(name).served_by == fresh_local.clone_of(PYTHON_LOCAL), f"[O5] {situation}\n{private}"
    if not effective_setting(PYPI, "mirror_use_external_urls").value:  # fresh_local's clone has the same
        # The guide's cache-PyPI note: devpi kept PyPI's file, so the outage costs the user nothing for it.
        assert_served_same_file("O5", f"{situation}, root/pypi caching (the guide's note)", public,
                                public_online.file(PUBLIC_PROJECT), bound=10.0, bound_why="pip's own work, from devpi's copy")
        figure(f"O5_{way}_cached_public_seconds", round(public.seconds, 1),
               f"O5 {way}: root/pypi caches (the guide's note): pip got {PUBLIC_PROJECT} from devpi's copy in "
               f"{public.seconds:.1f} s with PyPI gone")
        return
    assert not public.ok, (
        f"[O5] {situation}: pip still got {public.versions()}; with root/pypi pass-through devpi holds no PyPI "
        f"file, so where did it come from?\n{public}")
    errors = pip_errors(public)
    assert re.search(rf"\b{PUBLIC_PROJECT}\b", errors) and re.search(r"refused|503|Service Unavailable", errors, re.I), (
        f"[O5] {situation}: pip failed for {PUBLIC_PROJECT} without saying which package and why; a user "
        f"cannot tell that PyPI is unreachable.\npip says: {errors}\n{public}")
    assert public.seconds <= PIP_RETRIES_BOUND, (
        f"[O5] {situation}: pip took {public.seconds:.1f} s to fail for {PUBLIC_PROJECT} (bound {PIP_RETRIES_BOUND:.0f} s, "
        f"pip's own retries)\n{public}")
    said = " ".join(line.strip() for line in errors.splitlines() if re.search(r"×|╰─>|Error:|Exception", line))
    figure(f"O5_{way}_pip_seconds_to_fail", round(public.seconds, 1),
           f"O5 {way}: pip failed for {PUBLIC_PROJECT} after {public.seconds:.1f} s "
           f"(exit status {public.returncode}), "
           f"saying: {said}; the private package took {private.seconds:.1f} s")
