"""C1: the guide's Rancher Desktop example, pip inside a real container reaching devpi on the host.

The guide's command line, mapped onto podman flag for flag (fixtures/containers.py holds the mapping):

    nerdctl container run                              podman run
      --env PIP_INDEX_URL=http://host.lima.internal:3141/root/local/+simple/
                                                       --env PIP_INDEX_URL=... (the service's port)
      --env PIP_TRUSTED_HOST=host.lima.internal        --env PIP_TRUSTED_HOST=host.lima.internal
      --rm                                             --rm, and `podman rm -f` after the run whatever happened
      -- docker.io/library/python:3.12.0-bookworm      --rootfs /:O (no registry: the host's root and pip, an overlay)
      pip download --no-deps -- private-package numpy  the same command
    and what Rancher Desktop gives a container without a flag:
      Lima's user-mode network                         --network slirp4netns:allow_host_loopback=true,outbound_addr=127.0.0.1
      host.lima.internal in the VM's /etc/hosts        --add-host host.lima.internal:10.0.2.2 (the host's loopback)
      the internet (PyPI)                              --add-host pypi.example.test:10.0.2.2 (the fake PyPI, on loopback)
    and what the image has that the host's root has not:
      no pip configuration, nothing of pip's in the environment
                                                       -v /dev/null over /etc/pip.conf and /etc/xdg/pip/pip.conf,
                                                       --tmpfs /root:notmpcopyup (HOME), --unsetenv-all --env PATH=...
      saving to its working folder                     -v HOSTDIR:/work --workdir /work (the suite reads the files back)
      a resolver                                       --dns 127.0.0.1 (only --add-host names resolve; no query leaves)
"""

from __future__ import annotations

import re

import pytest

from fake_upstreams.behaviours import unresolvable
from fixtures import containers
from fixtures.catalogue import PRIVATE_PROJECT, PRIVATE_VERSION, PUBLIC_PROJECT
from fixtures.clients import Resolution
from suites.containers.container_world import PYPI_HOST, not_applicable_without_pass_through, pypi_passes_through

# The container engine (a session fixture) and this module's world start once, in one worker (fixtures/sharing.py).
pytestmark = pytest.mark.xdist_group("containers")


def devpi_asked(world, since: int) -> list[str]:  # noqa: ANN001
    """The requests devpi-server logged since `since` (its log's size then): `GET /root/local/+simple/...`."""
    return re.findall(r"\[req\d+\] ((?:GET|HEAD) \S+)", world.devpi.log_since(since))


def saved(run: Resolution, project: str) -> str:
    """The file of `project` the container's pip saved."""
    prefix = re.sub(r"[-_.]+", "_", project).lower()
    found = [name for name in run.saved if re.sub(r"[-_.]+", "_", name).lower().startswith(prefix + "_")]
    assert len(found) == 1, f"[C1] the container's pip saved {len(found)} file(s) of {project}\n{run}"
    return found[0]


@pytest.mark.reads_setting("mirror_use_external_urls")
@pytest.mark.promise("C1")
def test_pip_in_a_container_gets_the_hosts_files_on_and_off_the_vpn(world, container_engine, lima, tmp_path):
    """The guide's Rancher Desktop command, on the VPN and then off it: both packages, and the very files
    pip gets on the host. numpy reaches the container by a redirect from devpi's root/pypi to PyPI's own
    URL (pass-through), so the container itself must reach PyPI (under the guide's cache note devpi serves
    its own copy instead); private-package comes from devpi's cache once the intranet is gone."""
    host = world.host_pip(tmp_path / "host-pip").download(PRIVATE_PROJECT, PUBLIC_PROJECT)
    assert host.ok, f"[C1] precondition: pip on the host cannot download through the deployment's pip.conf\n{host}"
    on_host = {f.filename: f.sha256 for f in host.files}

    pypi_mark, log_mark = world.pypi.log.mark(), world.devpi.log_size()
    on_vpn = containers.guide_download(container_engine, lima, world.port, tmp_path / "on-vpn",
                                       hosts=world.container_hosts(lima))
    assert on_vpn.ok, f"[C1] the guide's container command failed on the VPN, in {lima}\n{on_vpn}"
    assert f"Looking in indexes: http://{containers.LIMA_HOST}:{world.port}/root/local/+simple/" in on_vpn.stdout, (
        f"[C1] the container's pip did not read devpi's root/local through the host alias\n{on_vpn}")
    assert on_vpn.saved == on_host, (
        f"[C1] the container's pip saved other files than pip on the host (name and sha256)\nhost: {on_host}\n{on_vpn}\n{host}")
    numpy = saved(on_vpn, PUBLIC_PROJECT)
    assert on_vpn.saved[numpy] == world.pypi.sha256(numpy), f"[C1] the container's {numpy} differs from PyPI's\n{on_vpn}"
    # pip prints "Looking in indexes" whoever answers: devpi's own log says it was asked, and for what.
    asked = devpi_asked(world, log_mark)
    for project in (PRIVATE_PROJECT, PUBLIC_PROJECT):
        assert f"GET /root/local/+simple/{project}/" in asked, (
            f"[C1] devpi was not asked for root/local's page of {project} while the container's pip downloaded it\n"
            f"devpi was asked: {asked}\n{on_vpn}")
    assert any(re.fullmatch(rf"GET /root/pypi/\+[ef]/\S*/{re.escape(numpy)}", line) for line in asked), (
        f"[C1] devpi was not asked for root/pypi's {numpy} while the container's pip downloaded it\n"
        f"devpi was asked: {asked}\n{on_vpn}")
    fetched = world.pypi.log.matching(rf"/packages/(?:.+/)?{re.escape(numpy)}$", since=pypi_mark)
    if pypi_passes_through(world.devpi):
        assert fetched, (f"[C1] PyPI saw no request for {numpy} while the container downloaded it: root/pypi did not pass "
                         f"the file through\nfake PyPI saw:\n{world.pypi.log.render(since=pypi_mark)}\n{on_vpn}")
    else:  # the guide's cache note: devpi kept the copy it fetched for pip on the host and serves it
        assert not fetched, (f"[C1] root/pypi caches PyPI files (mirror_use_external_urls=False), yet PyPI saw the "
                             f"container's download of {numpy} again\n{world.pypi.log.render(since=pypi_mark)}\n{on_vpn}")

    intranet_mark = world.artifactory.log.mark()
    with world.artifactory.misbehave(unresolvable()):
        off_vpn = containers.guide_download(container_engine, lima, world.port, tmp_path / "off-vpn",
                                            hosts=world.container_hosts(lima))
    assert not world.artifactory.log.matching(r".*", since=intranet_mark), (
        f"[C1] precondition: the intranet was still reached while its name did not resolve for devpi\n"
        f"{world.artifactory.log.render(since=intranet_mark)}")
    assert off_vpn.ok, (f"[C1] the guide's container command failed off the VPN (the intranet's name no longer resolves "
                        f"for devpi): private-package {PRIVATE_VERSION} should come from devpi's cache\n{off_vpn}\n"
                        f"--- devpi log ---\n{world.devpi.log_tail(30)}")
    private = saved(off_vpn, PRIVATE_PROJECT)
    assert PRIVATE_VERSION in private and off_vpn.saved == on_host, (
        f"[C1] off the VPN the container's pip saved other files than on the VPN\n"
        f"on the VPN and on the host: {on_host}\n{off_vpn}")


@pytest.mark.reads_setting("mirror_use_external_urls")
@pytest.mark.promise("C1")
@pytest.mark.finding("C1-container-needs-pypi")
def test_a_container_that_cannot_reach_pypi_gets_no_public_package(named_worlds, world, container_engine, lima, tmp_path,
                                                                  figure, finding):
    """root/pypi with mirror_use_external_urls=True answers a PyPI file with a redirect to PyPI's own URL.
    A container that reaches devpi but not PyPI (a VM without the host's internet, a proxy only the host
    uses) gets private packages and no public one. The guide's cache note (mirror_use_external_urls=False)
    makes devpi fetch and serve the file itself: checked here with the deployment's own cache-PyPI step.
    A deployment that already caches PyPI's files has no such finding to show."""
    not_applicable_without_pass_through(world.devpi, "devpi serves PyPI's files itself, so a container needs no way to "
                                                     "PyPI of its own; this finding concerns pass-through only")
    cut = containers.guide_download(container_engine, lima, world.port, tmp_path / "no-pypi",
                                    hosts=world.container_hosts(lima, pypi=False))
    assert not cut.ok, (f"[C1] the container downloaded numpy without reaching {PYPI_HOST}: root/pypi no longer passes files "
                        f"through, and this scenario no longer shows what it says\n{cut}")
    # pip 23 ends with a traceback whose last line is what a user reads: the file URL devpi redirected to.
    said = (cut.stderr.strip().splitlines() or ["(nothing)"])[-1]
    redirected = (rf"HTTPConnectionPool\(host='{re.escape(PYPI_HOST)}', port=\d+\): "
                  r"Max retries exceeded with url: /packages/numpy-")
    assert re.search(redirected, said), (f"[C1] pip in the container failed, but not on the redirect to PyPI's own URL "
                                         f"({PYPI_HOST}) that root/pypi answers with\n{cut}")
    figure("C1_container_without_pypi", said,
           f"C1: a container that reaches devpi but not PyPI gets private-package and then, after {cut.seconds:.0f} s of "
           f"retries, for numpy: {said}")

    with named_worlds(extra_steps=("cache_pypi",)) as caching:
        advised = containers.guide_download(container_engine, lima, caching.port, tmp_path / "advice",
                                            hosts=caching.container_hosts(lima, pypi=False))
    assert advised.ok, (f"[C1] with the guide's cache note (root/pypi mirror_use_external_urls=False) a container that "
                        f"cannot reach PyPI should still get numpy from devpi\n{advised}")
    finding("C1-container-needs-pypi",
            f"with root/pypi passing files through (mirror_use_external_urls=True), pip in a container downloads each "
            f"PyPI file from PyPI's own URL after devpi's redirect: the container must reach PyPI itself. Without it pip "
            f"says (after {cut.seconds:.0f} s of retries): {said}. Either give the container the internet, or apply "
            f"the guide's cache note "
            f"(`devpi index pypi mirror_use_external_urls=False`; checked: the container then gets numpy from devpi "
            f"alone), at the cost of disk space for every PyPI file served.")


def devpi_answers_the_container(world, engine, network, hosts: dict[str, str], missing: str) -> None:  # noqa: ANN001
    """devpi, at the guide's URL, answers a container on `network` resolving `hosts` (what the guide's command has
    with `missing` given), and logs the request: the command failed for want of `missing`, not of devpi."""
    __tracebackhide__ = True
    page = f"http://{containers.LIMA_HOST}:{world.port}/root/local/+simple/{PRIVATE_PROJECT}/"
    mark = world.devpi.log_size()
    answers, probe = containers.probe(engine, network, [page], hosts=hosts)
    asked = devpi_asked(world, mark)
    assert answers[page] == "200" and f"GET /root/local/+simple/{PRIVATE_PROJECT}/" in asked, (
        f"[C1] precondition: with {missing} given, a container in {network} should read {page} from devpi (answer: "
        f"{answers[page]}; devpi was asked: {asked}); the failure without {missing} then shows nothing of it\n{probe}\n"
        f"--- devpi log ---\n{world.devpi.log_tail(30)}")


@pytest.mark.promise("C1")
def test_without_pip_trusted_host_the_guides_command_fails(world, container_engine, lima, tmp_path):
    """devpi is plain http: without PIP_TRUSTED_HOST pip ignores the index and finds nothing. devpi is there to
    ask all the while: a container on the same network, resolving the same names, reads root/local's page."""
    mark = world.devpi.log_size()
    run = containers.guide_download(container_engine, lima, world.port, tmp_path / "untrusted",
                                    hosts=world.container_hosts(lima), trusted=False)
    assert not [line for line in devpi_asked(world, mark) if "/+simple/" in line], (
        f"[C1] pip said it ignores the untrusted index, yet devpi was asked: {devpi_asked(world, mark)}\n{run}")
    devpi_answers_the_container(world, container_engine, lima, world.container_hosts(lima), "PIP_TRUSTED_HOST")
    assert not run.ok, f"[C1] pip downloaded from a plain-http index it was not told to trust\n{run}"
    ignored = f"The repository located at {containers.LIMA_HOST} is not a trusted or secure host and is being ignored"
    assert ignored in run.output, f"[C1] without PIP_TRUSTED_HOST pip should say it ignores the index: {ignored!r}\n{run}"
    assert f"Could not find a version that satisfies the requirement {PRIVATE_PROJECT}" in run.output, (
        f"[C1] without PIP_TRUSTED_HOST pip should end finding no {PRIVATE_PROJECT}\n{run}")


@pytest.mark.promise("C1")
def test_without_the_host_alias_the_guides_command_fails(world, container_engine, lima, tmp_path, figure):
    """A container where host.lima.internal does not resolve (another engine, another VM) cannot reach devpi,
    which a container on the same network that does resolve the alias reaches."""
    run = containers.guide_download(container_engine, lima, world.port, tmp_path / "no-alias", hosts={})
    devpi_answers_the_container(world, container_engine, lima, world.container_hosts(lima), f"the {containers.LIMA_HOST} alias")
    assert not run.ok, f"[C1] pip downloaded through {containers.LIMA_HOST} although the name does not resolve\n{run}"
    assert re.search(r"NewConnectionError\(.*Temporary failure in name resolution", run.output), (
        f"[C1] pip should say that it could not resolve {containers.LIMA_HOST}\n{run}")
    assert f"Could not find a version that satisfies the requirement {PRIVATE_PROJECT}" in run.output, (
        f"[C1] with the host alias unresolvable pip should end finding no {PRIVATE_PROJECT}\n{run}")
    figure("C1_unresolvable_alias_seconds", round(run.seconds, 1),
           f"C1: with {containers.LIMA_HOST} unresolvable the guide's command fails after {run.seconds:.1f} s (pip's retries)")
