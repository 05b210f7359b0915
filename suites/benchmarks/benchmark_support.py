"""What the benchmarks and their fixtures share, under a name of its own: a scenario that imported these from
`conftest` got whichever suite's conftest pytest had loaded last (another folder's, when scenarios of several
folders are collected together)."""

from __future__ import annotations

import re

import requests

from fixtures.pages import links

RELEASES = (1, 100, 1000)
BIG = 50 * 10**6  # bytes
CROWD_CLIENTS = 16
CROWD_FILES = 32  # cached files the clients share
CROWD_FILE_SIZE = 256 * 1024
CROWD_REQUESTS_PER_CLIENT = 8
# pip's Accept header: each server answers the simple page in the form it would give pip.
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"


def files_in(text: str, names: set[str]) -> set[str]:
    """The filenames of `names` that a simple page (HTML or PEP 691 JSON) links."""
    return {name for name in re.findall(r"[\w.!+-]+(?:\.whl|\.tar\.gz)", text) if name in names}


def file_links(session: requests.Session, page_url: str) -> dict[str, str]:
    """filename -> the absolute URL a client follows, from a simple page as pip reads it (HTML)."""
    page = session.get(page_url, headers={"Accept": "text/html"}, timeout=60)
    page.raise_for_status()
    return {link.url.rsplit("/", 1)[-1]: link.url for link in links(page.text, page_url)}


def download(session: requests.Session, url: str) -> int:
    """GET `url` as pip does (redirects followed), reading the body; the bytes received."""
    with session.get(url, stream=True, timeout=300) as answer:
        answer.raise_for_status()
        return sum(len(chunk) for chunk in answer.iter_content(1 << 20))
