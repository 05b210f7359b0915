"""What README.md and docs/*.md name is what the code has: every `--option` is one of this repository's pytest
options or `python -m fixtures.matrix`'s (or another tool's, by name below), every fixture, marker, function and
keyword of README's kit cheat-sheet exists, every relative link leads to a file (and heading) that exists, and
README stays a page a newcomer reads in ten minutes. No devpi needed."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from suite_runs import ROOT

import fake_upstreams
import fixtures
import fixtures.pages
import fixtures.report
import fixtures.servers
from fake_upstreams import FakeUpstream, RequestLog
from fake_upstreams.behaviours import content_type, etag, pep691, refuse
from fixtures.api import DevpiApi
from fixtures.clients import PipClient, UvClient
from fixtures.deployment import Deployment, Settings
from fixtures.devpi import DevpiServer
from fixtures.indexes import IndexClone
from fixtures.packages import PackageFactory
from fixtures.servers import DevpiFactory
from fixtures.promises import Finding, precondition
from fixtures.report import Findings

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MAX_README_LINES = 220

# Options of the tools the pages quote (pip, uv, devpi-server and devpi-export, podman), not of this repository.
OTHER_TOOLS_OPTIONS = {
    "pip": {"--index-url", "--extra-index-url", "--no-cache-dir", "--no-deps", "--pre", "--prefer-binary"},
    "uv": {"--no-config", "--no-cache"},
    "devpi-server": {"--listen", "--mirror-cache-expiry", "--remote-refresh-delay", "--request-timeout", "--storage",
                     "--include-mirrored-files"},
    "podman": {"--dns", "--network", "--rootfs"},
}
# pytest's help shows only the first spelling of an option; its other spellings the pages use.
PYTEST_ALIASES = {"--junitxml"}

def child(*args: str) -> str:
    """A child pytest or python here, as a user runs it (not as an xdist worker); its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def pages() -> list[Path]:
    return [README, *DOCS]


def help_options(*command: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][\w-]*", child(*command, "--help")))


def test_readme_is_a_page_a_newcomer_reads_in_ten_minutes():
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines, at most {MAX_README_LINES}: move a topic to docs/"
    # .ci/run runs the second of README's opening commands, found by this pattern.
    commands = [line for line in lines if line.startswith("python3 -m venv ")]
    assert len(commands) == 2 and lines.index(commands[0]) < 10, f"README should open with its two commands: {commands}"


def test_every_option_the_pages_name_exists():
    known = (help_options("-m", "pytest", "-p", "no:cacheprovider") | help_options("-m", "fixtures.matrix")
             | PYTEST_ALIASES | set().union(*OTHER_TOOLS_OPTIONS.values()))
    # docs/devpi7-migration.md is the deployment's own diff (devpi-init's, devpi's and pip's options), written by
    # python -m fixtures.migration and kept equal to the folders by tests/test_devpi7_migration.py; docs/upgrade-report.md
    # is fixtures.matrix's output, quoting the runs' figures and the migrated copy's upgrade.sh (devpi's and pip's options).
    unknown = [f"{page.relative_to(ROOT)}: {option}" for page in pages()
               if page.name not in ("devpi7-migration.md", "upgrade-report.md")
               for option in sorted(set(re.findall(r"(?<![\w-])--[a-z][\w-]*", page.read_text()))) if option not in known]
    assert not unknown, "options named in the pages that neither pytest here nor fixtures.matrix has:\n  " + "\n  ".join(unknown)


# -- README's kit cheat-sheet -----------------------------------------------------------------------------------

def make_devpi_keywords() -> set[str]:
    """make_devpi's own keywords, and DevpiFactory.server's and Settings' it passes on."""
    make = next(fixtures.servers.make_devpi._get_wrapped_function()(None, None))
    server = inspect.signature(DevpiFactory.server.__wrapped__).parameters
    named = {n for n, p in [*inspect.signature(make).parameters.items(), *server.items()]
             if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and n != "self"}
    return (named | {f.name for f in dataclasses.fields(Settings)})


# What each name the cheat-sheet uses is: a fixture's object (its class) or what the code calls it.
KIT = {
    "fake_pypi": FakeUpstream, "fake_artifactory": FakeUpstream, "packages": PackageFactory, "devpi": DevpiServer,
    "server": DevpiServer, "fresh_local": IndexClone, "pip_client": PipClient, "uv_client": UvClient,
    "deployment": Deployment, "finding": Findings, "Finding": Finding, "etag": etag, "refuse": refuse,
    "pep691": pep691, "content_type": content_type,
    "precondition": precondition, "fixtures": fixtures, "fake_upstreams": fake_upstreams, "page_links": fixtures.pages.page_links,
    "figure": fixtures.report.figure._get_wrapped_function()(lambda *_: None),
    "watch": fixtures.report.watch._get_wrapped_function()(None),
}
INSTANCES = {FakeUpstream, PackageFactory, DevpiServer, IndexClone, PipClient, UvClient, Deployment, Findings}
ATTRIBUTES = {(DevpiServer, "api"): DevpiApi, (FakeUpstream, "log"): RequestLog}  # set in __init__, not on the class
# Named with no object in front (`.publish(dist)`): a method or attribute of an object the bullet names.
METHODS_OF = (FakeUpstream, IndexClone)


def cheat_sheet() -> str:
    text = README.read_text()
    found = re.search(r"^## The kit, in short\n(.*?)(?=^## )", text, re.M | re.S)
    assert found, "README has no section '## The kit, in short'"
    return found.group(1)


def chain(node: ast.expr) -> list[str] | None:
    """`a.b.c` -> ["a", "b", "c"]; None for anything else."""
    if isinstance(node, ast.Attribute):
        head = chain(node.value)
        return None if head is None else [*head, node.attr]
    return [node.id] if isinstance(node, ast.Name) else None


def lookup(obj: object, names: list[str]) -> object:
    for name in names:
        cls = obj if inspect.isclass(obj) else type(obj)
        obj = ATTRIBUTES[cls, name] if (cls, name) in ATTRIBUTES else getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def keyword_problems(call: ast.Call, target: object, label: str) -> list[str]:
    given = {k.arg for k in call.keywords if k.arg}
    if label == "make_devpi":
        accepted = make_devpi_keywords()
    else:
        params = inspect.signature(target).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return []
        accepted = set(params)
    return [f"{label}(): no keyword {k}" for k in sorted(given - accepted)]


def span_problems(span: str, fixture_names: set[str], markers: set[str]) -> list[str]:
    """What of one code span of the cheat-sheet the code does not have."""
    if span.startswith("@pytest.mark."):
        marker = re.match(r"@pytest\.mark\.(\w+)", span).group(1)
        return [] if marker in markers else [f"{span}: no marker {marker}"]
    code = re.sub(r"^with (.*):$", r"\1", span)
    code = "_" + code if code.startswith(".") else code
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # not code (`mirror_url=`, a folder)
    named = [(n, n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    named += [(None, n.value) for n in tree.body if isinstance(n, ast.Expr) and not isinstance(n.value, ast.Call)]
    problems = []
    for call, head in named:
        names = chain(head)
        if names is None:
            continue
        root, *rest = names
        label = ".".join(names)
        if root == "_":
            owners = [cls for cls in METHODS_OF if lookup(cls, rest) is not None]
            if not owners:
                problems.append(f"{span}: no {label[2:]} on {[c.__name__ for c in METHODS_OF]}")
            elif call is not None:
                problems += keyword_problems(call, lookup(owners[0], rest), label[2:])
        elif root == "make_devpi" and not rest:
            problems += keyword_problems(call, None, "make_devpi") if call is not None else []
        elif root in KIT:
            target = lookup(KIT[root], rest)
            if target is None:
                problems.append(f"{span}: {label} does not exist")
            elif call is not None:
                callee = target.__call__ if target in INSTANCES else target
                problems += keyword_problems(call, callee, label)
        elif root not in fixture_names or rest:
            problems.append(f"{span}: {root} is no fixture (nor in this test's KIT)")
    return problems


@pytest.fixture(scope="module")
def fixture_names() -> set[str]:
    listed = child("-m", "pytest", "--fixtures", "suites", "-q", "-p", "no:cacheprovider")
    return set(re.findall(r"^(\w+)(?: \[\w+ scope\])? -- ", listed, re.M))


@pytest.fixture(scope="module")
def markers() -> set[str]:
    return set(re.findall(r"^@pytest\.mark\.(\w+)", child("-m", "pytest", "--markers", "-p", "no:cacheprovider"), re.M))


def test_every_fixture_and_keyword_of_the_kit_cheat_sheet_exists(fixture_names, markers):
    spans = re.findall(r"`([^`]+)`", cheat_sheet())
    assert any(s.startswith("make_devpi(") for s in spans), "the cheat-sheet names make_devpi's keywords"
    problems = [p for span in spans for p in span_problems(span, fixture_names, markers)]
    assert not problems, "README's kit cheat-sheet names what the code does not have:\n  " + "\n  ".join(problems)


def test_the_cheat_sheet_check_catches_a_wrong_keyword(fixture_names, markers):
    # The drift this test exists for: make_devpi's keyword is `deployment`, as the factory's (once deployment_path).
    assert span_problems("make_devpi(deployment_path=copy)", fixture_names, markers)
    assert span_problems("server.log_tail(n, after=mark)", fixture_names, markers)
    assert span_problems("fake_artifactory.misbehaves(etag())", fixture_names, markers)
    assert span_problems("@pytest.mark.promises('R2')", fixture_names, markers)
    assert not span_problems("make_devpi(deployment=copy, artifactory_url=url)", fixture_names, markers)


# -- links ------------------------------------------------------------------------------------------------------

def slugs(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings (fenced code left out)."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.M | re.S)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.*)$", text, re.M)}


def test_every_relative_link_leads_to_a_file_and_heading_that_exist():
    problems = []
    for page in pages():
        text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.M | re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            where = str(linked.relative_to(ROOT)) if linked.is_relative_to(ROOT) else str(linked)
            if not linked.exists():
                problems.append(f"{page.relative_to(ROOT)}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in slugs(linked):
                problems.append(f"{page.relative_to(ROOT)}: {target}: no such heading in {where}")
    assert not problems, "links in README.md and docs/:\n  " + "\n  ".join(problems)
