"""``/readyz`` follows its dependencies both ways (issue 20): red while Redis is away, green within 2 s of its return.

Before the fix the plain readiness checks ran behind the deep checks' circuit breaker: three red probes opened
it and ``/readyz`` stayed 503 for the breaker's 30 s reset timeout after Redis was back.
"""

from __future__ import annotations

import time

import httpx

from tests.support.faults import proxy_for, through, wait_until


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return 0


def test_readyz_recovers_within_two_seconds(test_worker, redis_url: str, tcp_proxy) -> None:
    proxy = proxy_for(redis_url, tcp_proxy)
    worker = test_worker(env={"REDIS_URL": through(redis_url, proxy)})
    ready = worker.health_url + "/readyz"
    assert _status(ready) == 200
    proxy.cut()
    for _ in range(5):  # enough red probes to open a breaker (fail_max=3)
        assert _status(ready) == 503
        time.sleep(0.2)
    proxy.restore()
    back = time.monotonic()
    assert wait_until(lambda: _status(ready) == 200, timeout=5.0, step=0.1), "readiness stuck red after recovery"
    recovery = time.monotonic() - back
    print(f"readyz recovery after Redis returned: {recovery:.2f}s")
    assert recovery < 2.0
