"""``TaxpayerService`` against the fake registry over real HTTP and real Redis (no worker process)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

import pytest
import redis
from pydantic import ValidationError

from anaf_core import AnafTransportError, cui_check_digit
from anaf_taxpayer.models import TaxpayerRequest
from anaf_taxpayer.service import TaxpayerService
from tests.fakes.anaf import FakeAnafServer


def valid_cuis(n: int, start: int = 1_000_000) -> list[str]:
    out = []
    body = start
    while len(out) < n:
        out.append(f"{body}{cui_check_digit(str(body))}")
        body += 1
    return out


def test_one_cui_normalised(taxpayer_service: TaxpayerService, fake_anaf: FakeAnafServer) -> None:
    result = taxpayer_service.validate(TaxpayerRequest(cui="RO4221306", date=dt.date(2026, 1, 5)))
    assert result.found == 1 and result.not_found == 0 and result.stale == 0
    record = result.results[0]
    assert record.cui == "4221306" and record.source == "anaf" and record.date == dt.date(2026, 1, 5)
    company = record.company
    assert company is not None and company.name == "MINISTERUL FINANTELOR"
    assert company.vat.registered is True and company.vat.periods[0].start == dt.date(2010, 3, 1)
    assert company.efactura_registry.registered is True and company.efactura_registry.since == dt.date(2022, 7, 1)
    assert company.headquarters.county == "BUCURESTI" and company.headquarters.country is None  # "" -> None
    assert company.inactive.inactive is False and company.inactive.inactivated_on is None


@pytest.mark.parametrize("envelope", [False, True])
def test_found_and_not_found_with_and_without_envelope(
    taxpayer_service: TaxpayerService, fake_anaf: FakeAnafServer, envelope: bool
) -> None:
    fake_anaf.state.config.registry_envelope = envelope
    known, unknown = valid_cuis(2, 7_000_000)
    fake_anaf.state.config.registry_not_found = {unknown}
    result = taxpayer_service.validate(TaxpayerRequest(cuis=[known, unknown, known]))
    assert [(r.cui, r.found) for r in result.results] == [(known, True), (unknown, False)]
    assert result.results[1].company is None


def test_check_digit_before_any_call(fake_anaf: FakeAnafServer) -> None:
    with pytest.raises(ValidationError) as info:
        TaxpayerRequest(cuis=["4221306", "12345678", "RO"])
    locs = [e["loc"] for e in info.value.errors()]
    assert locs == [("cuis", 1), ("cuis", 2)]
    with pytest.raises(ValidationError):
        TaxpayerRequest(cui="4221306", cuis=["4221306"])
    assert fake_anaf.state.registry_calls == []


def test_concurrent_requests_share_batches(
    taxpayer_service: TaxpayerService, fake_anaf: FakeAnafServer, redis_client: redis.Redis
) -> None:
    """250 single-CUI requests at once: exactly 3 registry calls (100 + 100 + 50), 1 req/s held.

    The test holds the batcher's flush lock (as a flusher busy elsewhere would) until all 250 lookups are
    pending, so how fast a loaded machine starts the threads cannot change the batches; then it lets go and
    the waiters alone must coalesce the lookups, keep the pace and deliver every answer to its waiter.
    """
    cuis = valid_cuis(250, 2_000_000)
    batcher = taxpayer_service.batcher
    results: dict[str, bool] = {}
    errors: list[BaseException] = []

    def one(cui: str) -> None:
        try:
            results[cui] = taxpayer_service.validate(TaxpayerRequest(cui=cui)).results[0].found
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    assert redis_client.set(batcher.lock, "held-by-the-test", nx=True, px=120_000)
    threads = [threading.Thread(target=one, args=(c,)) for c in cuis]
    for t in threads:
        t.start()
    wait_until = time.monotonic() + 60
    while redis_client.zcard(batcher.pending) < len(cuis):
        assert time.monotonic() < wait_until, f"only {redis_client.zcard(batcher.pending)} lookups pending"
        time.sleep(0.05)
    assert fake_anaf.state.registry_calls == []  # nobody flushed while the lock was held
    started = time.monotonic()
    redis_client.delete(batcher.lock)
    for t in threads:
        t.join(timeout=120)
    elapsed = time.monotonic() - started
    assert not errors, errors[:3]
    assert len(results) == 250 and all(results.values())
    snap = fake_anaf.state.snapshot()
    gaps = [b - a for a, b in itertools.pairwise(fake_anaf.state.registry_arrivals)]
    assert snap["registry_violations"] == 0 and snap["registry_max_batch"] <= 100, gaps
    assert min(gaps) >= 1.0, gaps
    counts = [c["count"] for c in fake_anaf.state.registry_calls]
    assert counts == [100, 100, 50], counts
    # one answer per batch, not per request: 250 requests one by one would take 250 s at 1 req/s
    assert elapsed < 60, elapsed


def test_cache_spares_the_registry(taxpayer_service: TaxpayerService, fake_anaf: FakeAnafServer) -> None:
    cui = valid_cuis(1, 3_000_000)[0]
    first = taxpayer_service.validate(TaxpayerRequest(cui=cui))
    again = taxpayer_service.validate(TaxpayerRequest(cui=cui))
    assert first.results[0].source == "anaf" and again.results[0].source == "cache"
    assert again.results[0].company == first.results[0].company
    assert len(fake_anaf.state.registry_calls) == 1
    taxpayer_service.validate(TaxpayerRequest(cui=cui, use_cache=False))
    assert len(fake_anaf.state.registry_calls) == 2


def test_many_cuis_in_one_request(taxpayer_service: TaxpayerService, fake_anaf: FakeAnafServer) -> None:
    cuis = valid_cuis(150, 4_000_000)
    result = taxpayer_service.validate(TaxpayerRequest(cuis=cuis))
    assert [r.cui for r in result.results] == cuis and result.found == 150
    assert sorted(c["count"] for c in fake_anaf.state.registry_calls) == [50, 100]


def test_anaf_down_retries_then_stale(taxpayer_service: TaxpayerService, fake_anaf: FakeAnafServer) -> None:
    known, never_seen = valid_cuis(2, 5_000_000)
    taxpayer_service.validate(TaxpayerRequest(cui=known))
    fake_anaf.state.config.registry_down = True
    calls_before = len(fake_anaf.state.registry_calls)
    result = taxpayer_service.validate(TaxpayerRequest(cui=known, use_cache=False))
    record = result.results[0]
    assert record.stale and record.source == "stale_cache" and record.found and result.stale == 1
    assert record.company is not None and record.company.cui == known
    assert len(fake_anaf.state.registry_calls) == calls_before  # 503s are not recorded as answered calls
    with pytest.raises(AnafTransportError):
        taxpayer_service.validate(TaxpayerRequest(cui=known, use_cache=False, allow_stale=False))
    with pytest.raises(AnafTransportError) as info:
        taxpayer_service.validate(TaxpayerRequest(cui=never_seen))
    assert info.value.retryable
