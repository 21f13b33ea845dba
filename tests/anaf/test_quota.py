"""ANAF's daily caps against the real Redis (per subject, Romania calendar day)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
import redis

from anaf_core import RO_TZ, AnafDailyLimitError, DailyQuota
from anaf_core.quota import seconds_until_ro_midnight


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def test_daily_quota(client: redis.Redis) -> None:
    quota = DailyQuota(client, "stare", cap=3, namespace=uuid.uuid4().hex)
    assert [quota.consume("5000000001") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(AnafDailyLimitError) as info:
        quota.consume("5000000001")
    assert info.value.retry_after and 0 < info.value.retry_after <= 86400 + 5
    assert quota.used("5000000001") == 3
    assert quota.consume("5000000002") == 1


def test_midnight_is_romanian() -> None:
    late = datetime(2026, 3, 10, 23, 59, 0, tzinfo=RO_TZ)
    assert 60 <= seconds_until_ro_midnight(late) <= 70
