"""The suite's plugin lives in fixtures/; PyPI's unrelated `fixtures` package must not shadow it."""

from pathlib import Path

import fixtures

if Path(fixtures.__file__).resolve().parent != Path(__file__).resolve().parent / "fixtures":
    raise ImportError(f"imported the wrong 'fixtures' package ({fixtures.__file__}); run pytest from the repository root")

pytest_plugins = ["fixtures.report", "fixtures.cost", "fixtures.sharing", "fixtures.plugin", "fixtures.effective", "fixtures.benchmarks", "fixtures.upstreams", "pytester"]
