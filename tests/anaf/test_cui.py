"""CUI/CIF check digit and normalisation (vectors from ANAF.md §1)."""

from __future__ import annotations

import pytest

from anaf_core import is_valid_cui, normalize_cui


@pytest.mark.parametrize("value", ["4221306", "RO4221306", "ro 4221306", "12345674", "14399840", 4221306])
def test_valid(value: str | int) -> None:
    assert is_valid_cui(value)


@pytest.mark.parametrize("value", ["12345678", "4221307", "", "RO", "1", "12345678901", "42213O6", "00", "-4221306"])
def test_invalid(value: str) -> None:
    assert not is_valid_cui(value)


def test_normalize_strips_prefix_and_spaces() -> None:
    assert normalize_cui(" RO 4221306 ") == "4221306"
    with pytest.raises(ValueError):
        normalize_cui("RO-4221306")
