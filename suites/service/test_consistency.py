"""With no server: every port, host, index path and directory that any deployment file names agrees
with the others (S3: the plist, the wrapper, devpi-init; C3: the clients' files and the service's port).

devpi-init and devpi are replaced by recorders of their arguments: what is checked here is what the
deployment's scripts write and pass, not what devpi does with it (the other scenarios run devpi)."""

from __future__ import annotations

import configparser
import shlex
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtures.devpi_versions import dialect

RECORDER = '#!/bin/sh\nprintf "%s\\n" "$(basename "$0") $*" >> "{log}"\n'


def recorded_run(service, tmp_path: Path) -> list[list[str]]:  # noqa: ANN001
    """init.sh and configure.sh with a prefix whose devpi tools (each the install has: devpi-init, devpi,
    devpi-gen-secret...) only record their arguments."""
    prefix, log = tmp_path / "recording-prefix", tmp_path / "calls"
    (prefix / "bin").mkdir(parents=True)
    for tool in sorted(p.name for p in (service.settings.prefix / "bin").glob("devpi*")):
        (prefix / "bin" / tool).write_text(RECORDER.format(log=log))
        (prefix / "bin" / tool).chmod(0o755)
    env = {**service.env, "DEPLOY_PREFIX": str(prefix)}
    for step in ("init", "configure"):
        service.deployment.run(step, env)
    return [shlex.split(line) for line in log.read_text().splitlines()]


def env_sh(service, *names: str) -> dict[str, str]:  # noqa: ANN001
    script = f'. "{service.deployment.source / "env.sh"}"; ' + "; ".join(f'printf "%s\\n" "${name}"' for name in names)
    done = subprocess.run(["bash", "-c", script], env=service.env, capture_output=True, text=True, check=True, timeout=30)
    return dict(zip(names, done.stdout.splitlines(), strict=True))


def ini(path: Path) -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(path)
    return config


def agree(promise: str, what: str, sources: list[tuple[str, object]]) -> None:
    __tracebackhide__ = True
    first_file, first = sources[0]
    for file, value in sources[1:]:
        assert value == first, f"[{promise}] {what} disagree: {first_file} says {first!r}, {file} says {value!r}"


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1] if name in args else ""


@pytest.fixture
def written(service, tmp_path):  # noqa: ANN001, ANN201
    service.step("service")
    service.step("client_config")
    return service, recorded_run(service, tmp_path)


@pytest.mark.promise("S3")
def test_the_plist_the_wrapper_and_devpi_init_name_the_same_program_port_and_server_directory(written, devpi_server_version):
    service, calls = written
    settings = service.settings
    plist = service.plist()
    args = plist["ProgramArguments"]
    init = next(c for c in calls if c[0] == "devpi-init")
    env = env_sh(service, "DEPLOY_SERVERDIR", "DEPLOY_PORT", "DEPLOY_HOME", "DEPLOY_PREFIX")

    assert plist["Label"] == settings.plist.stem, f"[S3] the plist's Label {plist['Label']!r} is not its file name's"
    assert plist.get("KeepAlive") == {"SuccessfulExit": False}, f"[S3] the plist's KeepAlive is {plist.get('KeepAlive')!r}"
    assert plist.get("Disabled") is False, f"[S3] the plist's Disabled is {plist.get('Disabled')!r}"
    wrapper = Path(args[0])
    agree("S3", "the wrapper's path", [("the plist's ProgramArguments[0]", str(wrapper)),
                                       ("env.sh's DEPLOY_HOME/devpi-server", f"{env['DEPLOY_HOME']}/devpi-server")])
    assert wrapper.is_file() and wrapper.stat().st_mode & 0o111, f"[S3] the plist runs {wrapper}, which is not an executable file"
    agree("S3", "the Python that runs the wrapper", [(f"the wrapper's shebang ({wrapper})", wrapper.read_text().splitlines()[0]),
                                                     ("the install prefix", f"#!{env['DEPLOY_PREFIX']}/bin/python")])
    agree("S3", "the devpi-server program", [("the plist's ProgramArguments[1]", args[1]),
                                            ("the install prefix", f"{env['DEPLOY_PREFIX']}/bin/devpi-server")])
    agree("S3", "the server directory", [("the plist's --serverdir", option(args, "--serverdir")),
                                         ("init.sh's devpi-init --serverdir", option(init, "--serverdir")),
                                         ("env.sh's DEPLOY_SERVERDIR", env["DEPLOY_SERVERDIR"])])
    agree("S3", "the port", [("the plist's --port", option(args, "--port")), ("env.sh's DEPLOY_PORT", env["DEPLOY_PORT"])])
    assert option(init, "--storage") == dialect(devpi_server_version).storage("sqlite") and option(init, "--role") == "standalone", f"[S1] devpi-init's arguments: {init}"


@pytest.mark.promise("C3")
def test_every_client_file_points_at_root_local_on_the_services_port(written):
    service, calls = written
    home = service.settings.home
    args = service.plist()["ProgramArguments"]
    pip = ini(service.settings.pip_conf)
    distutils = ini(home / ".pydistutils.cfg")
    buildout = ini(home / ".buildout" / "default.cfg")
    use = next(c for c in calls if c[:2] == ["devpi", "use"] and any(a.startswith("http") for a in c))
    urls = [
        ("pip.conf [global] index-url", pip.get("global", "index-url", fallback="")),
        (".pydistutils.cfg [easy_install] index_url", distutils.get("easy_install", "index_url", fallback="")),
        (".buildout/default.cfg [buildout] index", buildout.get("buildout", "index", fallback="")),
    ]
    search = ("pip.conf [search] index", pip.get("search", "index", fallback=""))
    server = ("configure.sh's devpi use", next(a for a in use if a.startswith("http")))

    agree("C3", "the service's port", [("the plist's --port", int(option(args, "--port"))),
                                      *((f, urlsplit(u).port) for f, u in [*urls, search, server])])
    agree("C3", "the service's host", [(f, urlsplit(u).hostname) for f, u in [*urls, search, server]]
          + [("pip.conf [global] trusted-host", pip.get("global", "trusted-host", fallback=""))])
    agree("C3", "the simple index path", [("root/local's simple index (configure.sh creates root/local)", "/root/local/+simple/"),
                                          *((f, urlsplit(u).path) for f, u in urls)])
    agree("C3", "the search index path", [("root/local", "/root/local/"), (search[0], urlsplit(search[1]).path)])
    created = [c for c in calls if c[:3] == ["devpi", "index", "-c"]]
    assert ["devpi", "index", "-c", "local"] in [c[:4] for c in created], f"[C3] configure.sh does not create root/local: {created}"
