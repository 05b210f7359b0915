"""What the offline suite reads of devpi and of the intranet: devpi's own settings, whether its page lists a
file, and what devpi asked of the intranet and failed to get. The intranet itself, and every way it can be
gone, is the harness's (fixtures/upstreams.py: `Intranet`, `WAYS`, the `intranet` fixture).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from fake_upstreams import FakeUpstream
from fixtures.devpi import DevpiServer
from fixtures.effective import ServerOptions, read_setting, server_options  # noqa: F401  (the offline suite's names)

PYTHON_LOCAL = "root/python-local"
PYPI = "root/pypi"


# -- devpi's own settings, read the way devpi reads them (fixtures/effective.py) ------------------------------


def cache_expiry(server: DevpiServer, index: str, options: ServerOptions) -> tuple[int, str]:
    """The mirror_cache_expiry in force for `index`, and where it comes from (`options` are `server`'s, which
    fixtures/effective.py reads itself)."""
    setting = read_setting(server, index, "mirror_cache_expiry")
    return int(setting.value), setting.source


def no_project_list(server: DevpiServer, index: str) -> bool:
    """mirror_no_project_list on `index`: devpi never reads the upstream's project list and asks for a
    project's page instead (mirror.py `has_project_perstage` answers "unknown" for a name it never saw)."""
    return bool(read_setting(server, index, "mirror_no_project_list").value)


def listed(devpi: DevpiServer, index: str, project: str, filename: str) -> bool:
    """Does the page pip reads for `project` through `index` link `filename` now?"""
    status, page = devpi.api.simple_page(index, project)
    return status == 200 and re.search(rf"/{re.escape(filename)}#", page) is not None


def wait_until_listed(devpi: DevpiServer, index: str, project: str, filename: str, *, deadline: float) -> float | None:
    """Poll devpi's page until it links `filename`; the monotonic time it first did, or None at the deadline."""
    while time.monotonic() < deadline:
        if listed(devpi, index, project, filename):
            return time.monotonic()
        time.sleep(0.1)  # a poll interval, not a wait for something to happen
    return None


# -- what devpi asked of the intranet, read from its own log and the upstream's request log ---------------------

PROJECT_LIST = r"/simple/$"  # an upstream's whole project list, as devpi asks for it


def list_reads(upstream: FakeUpstream, *, since: float = 0.0) -> list[float]:
    """When devpi asked `upstream` for its project list (monotonic times, oldest first)."""
    return [seen.at for seen in upstream.log.matching(PROJECT_LIST, since=since)]


@dataclass(frozen=True)
class Asked:
    """Each time devpi asked an upstream, got nothing, and went on without it, by what it asked for.
    devpi's mechanism depends on the configuration: a mirror with a project list reads the list
    (mirror.py `_update_projects`: "serving stale projects" / "using stale projects list"); with
    mirror_no_project_list, or for a project it has cached, it asks for the project's page
    (`get_simplelinks_perstage`: "serving stale links"; model.py `op_sro_check_mirror_whitelist`:
    "Failed to check mirror whitelist", unless the answer was a 404 or a 404 devpi remembers)."""

    list_reads: int
    page_reads: int
    waits: int  # of these, the ones that ran into devpi's request timeout
    lines: tuple[str, ...]

    @property
    def any(self) -> int:
        return self.list_reads + self.page_reads

    def __str__(self) -> str:
        if not self.any:
            return "devpi asked the intranet nothing it failed to get"
        return (f"devpi failed to read the project list {self.list_reads}x and a project page {self.page_reads}x, "
                f"{self.waits}x waiting out its request timeout")


_LIST_FAILED = re.compile(r"serving stale projects|using stale projects list")
# devpi 7 words the whitelist check as inheritance rules (model/inheritance.py), the same wait.
_PAGE_FAILED = re.compile(r"serving stale links|Failed to check (?:mirror whitelist|remote project existence to apply "
                          r"inheritance rules)\. Assume it does not exist \((?!not found on GET|cached not found)")
_WAITED = re.compile(r"timed out after|timeout after")
_WRITER_STALE = re.compile(r"\[Wtx\d+\] serving stale projects for '([^']+)'")
_REQUEST = re.compile(r"\[(req\d+)\] (?:GET|POST|HEAD) /(\S+?)/\+simple/")


def devpi_asked(devpi_log: str, index: str = "") -> Asked:
    """What devpi failed to get from an upstream while serving requests (of `index` only, when given:
    runs on several indexes at once share one log, and devpi tags each line with its request)."""
    requests_of: dict[str, str] = {}
    lines = []
    for line in devpi_log.splitlines():
        if found := _REQUEST.search(line):
            requests_of[found[1]] = found[2]
            continue
        if "[ASYN]" in line or not (_LIST_FAILED.search(line) or _PAGE_FAILED.search(line)):
            continue
        request = re.search(r"\[(req\d+)\]", line)
        if index and request is None and (stale := _WRITER_STALE.search(line)):
            # devpi 7 reads a project list in a write transaction ("[Wtx18] serving stale projects for
            # 't8-python-local'"), untagged by the request that waits for it: the mirror's clone tag names the run.
            if stale[1].split("-", 1)[0] != index.split("/", 1)[-1].split("-", 1)[0]:
                continue
        elif index and (request is None or requests_of.get(request[1]) != index):
            continue
        lines.append(line)
    return Asked(sum(1 for line in lines if _LIST_FAILED.search(line)),
                 sum(1 for line in lines if _PAGE_FAILED.search(line)),
                 sum(1 for line in lines if _WAITED.search(line)), tuple(lines))
