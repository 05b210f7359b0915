"""The offline suite's helpers live in modules of their own names (`conftest` is not importable reliably from
test modules), one per job: offline_intranets.py (devpi's settings, what devpi asked of the intranet),
offline_latency.py (O6's measurement), offline_checks.py (assertions, worded for the person on call),
offline_advice.py (the advised changes). The intranet and the ways it can be gone are the harness's
(fixtures/upstreams.py: the `intranet` fixture, parametrized indirectly with `WAYS`)."""
