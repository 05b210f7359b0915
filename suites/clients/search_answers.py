"""What `pip search` meets at devpi's index URL, told apart: the known failure (C3-pip-search-fails) is one
exact exchange, and anything else is not that finding."""

from __future__ import annotations

import re
import xmlrpc.client

# devpi-server without devpi-web takes the POST of pip's XML-RPC `search` call at the index's URL for an
# upload and refuses its XML body (devpi_server/views.py getjson), logging this after the request's URL.
DEVPI_REFUSES = "Bad request: could not decode json"


def xmlrpc_refused(index: str, pip_stderr: str, devpi_log: str) -> str | None:
    """The known failure, as pip and devpi word it, or None for any other: pip says devpi answered 400 for
    `index` itself, devpi logged its refusal of the XML body for that URL, and devpi logged no traceback (a
    500, or anything devpi did not mean to answer, is another failure)."""
    said = re.search(rf"\b400 Client Error: Bad Request for url: {re.escape(index)}\s*$", pip_stderr, re.M)
    refused = re.search(rf"while handling {re.escape(index)}:\s*\n{re.escape(DEVPI_REFUSES)}\s*$", devpi_log, re.M)
    if not said or not refused or "Traceback" in devpi_log:
        return None
    return f"devpi logged {DEVPI_REFUSES!r} for {index}, and pip says {said[0].strip()!r}"


# pip (packaging 22+, no legacy versions) cannot parse an empty version string and stops with this traceback line.
PIP_REFUSES_EMPTY_VERSION = "InvalidVersion: Invalid version: ''"


def xmlrpc_hits(index: str, term: str) -> list[dict]:
    """What devpi answers the XML-RPC `search` call pip sends to `index` for `term` (name or summary), [] if it
    refuses it."""
    try:
        with xmlrpc.client.ServerProxy(index) as proxy:
            return list(proxy.search({"name": [term], "summary": [term]}, "or"))
    except (xmlrpc.client.Error, OSError):
        return []  # devpi-server alone refuses the call (400): no hits, so not this finding


def empty_version_refused(pip_stderr: str, hits: list[dict], devpi_log: str) -> str | None:
    """The known failure with devpi-web installed (C3-pip-search-uncached-version), or None for any other: devpi
    answered the search (no traceback in its log), with a hit of version '' (devpi-web's for a project devpi has not
    fetched yet), and pip stopped on parsing that version."""
    empty = sorted(hit.get("name", "?") for hit in hits if hit.get("version") == "")
    if PIP_REFUSES_EMPTY_VERSION not in pip_stderr or not empty or "Traceback" in devpi_log:
        return None
    return (f"devpi answered pip's search with version '' for {', '.join(empty)} (of {len(hits)} hit(s)), and pip says "
            f"{PIP_REFUSES_EMPTY_VERSION!r}")
