"""``TaxpayerSettings`` reads ``ANAF_TAXPAYER_*`` and still honours the older ``TAXPAYER_*`` names below them."""

from __future__ import annotations

import pytest

from anaf_taxpayer.config import TaxpayerSettings


def test_new_prefix_wins_over_the_legacy_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANAF_TAXPAYER_ATTEMPTS", "5")
    monkeypatch.setenv("TAXPAYER_ATTEMPTS", "7")
    monkeypatch.setenv("TAXPAYER_BACKOFF_S", "0.5")
    settings = TaxpayerSettings(WORKERS_CORE_ENV="test")
    assert settings.attempts == 5 and settings.backoff_s == 0.5


def test_defaults_without_any_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANAF_TAXPAYER_ATTEMPTS", "TAXPAYER_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    assert TaxpayerSettings(WORKERS_CORE_ENV="test").attempts == 3
