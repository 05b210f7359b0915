"""A plugin for a child `pytest --collect-only suites`: writes each collected scenario's folder and promises, and
every finding id known once the scenario files are collected, to the JSON file $COLLECTED_PROMISES."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fixtures.promises import FINDINGS

ITEMS: list[tuple[str, list[str]]] = []


@pytest.hookimpl(tryfirst=True)  # before suites/live is deselected: every folder counts
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        ITEMS.append((str(Path(item.path).relative_to(config.rootpath)),
                      [promise for mark in item.iter_markers("promise") for promise in mark.args]))


def pytest_collection_finish(session: pytest.Session) -> None:
    Path(os.environ["COLLECTED_PROMISES"]).write_text(json.dumps(
        {"items": ITEMS, "findings": {finding_id: promise for finding_id, (promise, _) in FINDINGS.items()}}))
