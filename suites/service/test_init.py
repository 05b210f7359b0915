"""S1: the deployment's devpi-init (init.sh, the guide's arguments) on an empty directory gives a server
directory the service starts on; a second devpi-init on it fails clearly and changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fixtures.deployment import DeploymentError
from fixtures.devpi_versions import dialect
from fixtures.launchd import DOMAIN
from fixtures.steps import StepFailed
from suites.service.service_support import LABEL


def digest(folder) -> dict[str, str]:  # noqa: ANN001
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.promise("S1")
def test_devpi_init_gives_a_server_directory_the_service_starts_on_and_a_second_init_refuses(service, figure, devpi_server_version):
    serverdir = service.settings.serverdir
    assert not serverdir.exists()
    try:
        service.step("init")  # the subject of S1: its failure is S1 broken, not "not set up"
    except StepFailed as exc:
        pytest.fail(f"[S1] devpi-init with the guide's arguments failed on an empty directory:\n{exc}", pytrace=False)
    service.step("service")
    args = service.plist()["ProgramArguments"]
    runs_on = Path(args[args.index("--serverdir") + 1]) if "--serverdir" in args else None
    words = dialect(devpi_server_version)  # the guide's storage in the words of the devpi-server installed
    storage, database = words.storage("sqlite"), words.database_file("sqlite")
    missing = [name for name in (".serverversion", database) if runs_on is None or not (runs_on / name).is_file()]
    assert not missing, (
        f"[S1] the service runs devpi-server on {runs_on} (the plist's --serverdir), where the deployment's devpi-init "
        f"(--storage {storage}) left no {' and no '.join(missing)}: it initialised another directory, or another storage")
    service.step("start")
    seconds = service.wait_until(lambda: service.api.is_ready() or service.events("exited"), f"devpi-server at {service.url}")
    assert not service.events("exited"), (
        f"[S1] devpi-server did not start on the server directory devpi-init created\n{service.describe()}")
    figure("s1_start_seconds", round(seconds, 1), f"the service answered {seconds:.1f} s after launchctl bootstrap")
    service.api.login("root", service.settings.root_password)
    service.api.create_index("root/s1-marker", type="stage", bases=[])
    assert service.launchctl("bootout", DOMAIN + LABEL).returncode == 0
    before = digest(serverdir)

    with pytest.raises(DeploymentError) as refused:
        service.deployment.run("init", service.env)

    message = str(refused.value)
    assert "already contains devpi-server data" in message and str(serverdir) in message, (
        f"[S1] a second devpi-init on {serverdir} should refuse, naming the directory and why\n{message}")
    assert digest(serverdir) == before, f"[S1] the refused devpi-init changed {serverdir}\nbefore: {before}\nafter: {digest(serverdir)}"
