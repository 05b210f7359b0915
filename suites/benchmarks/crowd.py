"""Clients at once, for suites/benchmarks: a process of its own that reads one burst per line on stdin (JSON: each
client's list of [url, expected size]) and answers one line of JSON: the wall time from the moment every client
was released, each request's duration, and the errors. Each client is one requests session, as one pip run is."""

from __future__ import annotations

import json
import sys
import threading
import time

import requests


def client(urls: list[list], barrier: threading.Barrier, durations: list[float], errors: list[str]) -> None:
    with requests.Session() as session:
        session.trust_env = False  # loopback only: never the host's proxy
        barrier.wait()
        for url, size in urls:
            start = time.perf_counter()
            try:
                with session.get(url, stream=True, timeout=120) as answer:
                    got = sum(len(chunk) for chunk in answer.iter_content(1 << 20))
                if answer.status_code != 200 or got != size:
                    errors.append(f"GET {url}: {answer.status_code}, {got} of {size} bytes")
            except requests.RequestException as exc:
                errors.append(f"GET {url}: {exc!r}")
            durations.append(time.perf_counter() - start)


def burst(plan: list[list[list]]) -> dict:
    barrier = threading.Barrier(len(plan) + 1)
    durations: list[float] = []  # list.append is atomic: the clients share these
    errors: list[str] = []
    threads = [threading.Thread(target=client, args=(urls, barrier, durations, errors)) for urls in plan]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return {"wall": time.perf_counter() - start, "durations": durations, "errors": errors}


if __name__ == "__main__":
    for line in sys.stdin:
        print(json.dumps(burst(json.loads(line))), flush=True)
