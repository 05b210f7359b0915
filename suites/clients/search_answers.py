"""What `pip search` meets at devpi's index URL, told apart: the known failure (C3-pip-search-fails) is one
exact exchange, and anything else is not that finding."""

from __future__ import annotations

import re

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
