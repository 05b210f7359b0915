"""S6: the guide's Maintenance section, run as written (stop.sh, start.sh, uninstall.sh calling launchctl):
stop then start keeps the cached files and the index configuration; uninstall removes every file the
deployment created and leaves nothing running."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fake_upstreams.behaviours import refuse
from fixtures.catalogue import PRIVATE_PROJECT
from fixtures.launchd import DOMAIN
from suites.service.service_support import LABEL, replace, started

CONFIG_KEYS = ("type", "bases", "mirror_url", "mirror_use_external_urls", "volatile", "title")


def own_prefix(shared: Path, dest: Path) -> Path:
    """A venv of the test's own that runs the shared install's code: uninstall.sh removes the prefix (the guide's
    `micromamba env remove`), and the installed devpi-server kept between runs must survive that."""
    subprocess.run([str(shared / "bin" / "python"), "-m", "venv", "--without-pip", str(dest)], check=True, timeout=120)
    site = next(shared.glob("lib/python*/site-packages"))
    next(dest.glob("lib/python*/site-packages")).joinpath("shared-install.pth").write_text(f"{site}\n")
    # Every devpi tool the install has: a deployment may call any of them (devpi-gen-secret, devpi-passwd).
    for tool in sorted(p.name for p in (shared / "bin").glob("devpi*")):
        script = (shared / "bin" / tool).read_text().split("\n", 1)[1]
        (dest / "bin" / tool).write_text(f"#!{dest}/bin/python\n{script}")
        (dest / "bin" / tool).chmod(0o755)
    return dest


def configs(svc) -> dict[str, dict]:  # noqa: ANN001
    return {index: {k: v for k, v in svc.api.index_config(f"root/{index}").items() if k in CONFIG_KEYS}
            for index in ("local", "python-local", "pypi")}


@pytest.mark.promise("S6")
def test_stop_and_start_keep_the_cache_and_the_indexes_and_uninstall_leaves_nothing(service, fake_artifactory, tmp_path,
                                                                                     figure):
    service = replace(service, prefix=own_prefix(service.settings.prefix, tmp_path / "prefix"))
    home = service.settings.home
    started(service)
    online = service.pip.download(PRIVATE_PROJECT)
    assert online.ok, f"[S6] precondition: {PRIVATE_PROJECT} through the service\n{online}"
    before = configs(service)

    service.check_step("stop", "S6")
    assert not service.devpi_processes() and service.port_free(), f"[S6] stop.sh left the service running\n{service.describe()}"
    service.check_step("start", "S6")
    service.wait_ready()
    assert configs(service) == before, f"[S6] the indexes changed across stop.sh and start.sh\nbefore: {before}\nafter: {configs(service)}"
    with fake_artifactory.misbehave(refuse()):
        cached = service.pip.download(PRIVATE_PROJECT)
    assert cached.ok and cached.file(PRIVATE_PROJECT).sha256 == online.file(PRIVATE_PROJECT).sha256, (
        f"[S6] after stop.sh and start.sh the cached {PRIVATE_PROJECT} was not served with the intranet gone\n{cached}")

    service.check_step("uninstall", "S6")
    assert not service.devpi_processes() and service.port_free(), f"[S6] uninstall.sh left the service running\n{service.describe()}"
    assert service.launchctl("print", DOMAIN + LABEL).returncode != 0, "[S6] the service is still loaded after uninstall.sh"
    assert not service.settings.prefix.exists(), f"[S6] uninstall.sh left the install prefix {service.settings.prefix}"
    files = sorted(str(p.relative_to(home)) for p in home.rglob("*") if not p.is_dir())
    assert not files, f"[S6] uninstall.sh left files the deployment created in $HOME: {files}"
    folders = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    figure("s6_left_folders", len(folders), f"uninstall.sh leaves {len(folders)} empty folder(s) in $HOME: {folders}")
