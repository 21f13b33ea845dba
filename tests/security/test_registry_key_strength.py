"""Issue 14: the registry's HMAC strength check never refuses a uniformly random secret of 256 bits or more
(it refused about one ``secrets.token_hex(32)`` in 2,000), while what an attacker would try first is refused.

Random secrets come from ``st.randoms(use_true_random=True)``: Hypothesis's own byte strategies favour
zeros and repeats (which are rightly refused), so the bytes must be uniform for the property to mean anything.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from registry.keystrength import MAX_PATTERN_BITS, secret_problem

ENCODINGS: dict[str, Callable[[bytes], str]] = {
    "hex": bytes.hex,
    "HEX": lambda raw: raw.hex().upper(),
    "base64": lambda raw: base64.b64encode(raw).decode(),
    "urlsafe": lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="),
    "base32": lambda raw: base64.b32encode(raw).decode(),
}
WORDS = FREQUENCY_LISTS["english_wikipedia"][:5000]


def _random_secret(rng: random.Random, size: int, encoding: str) -> str:
    return ENCODINGS[encoding](rng.randbytes(size))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rng=st.randoms(use_true_random=True),
    size=st.integers(min_value=32, max_value=64),
    encoding=st.sampled_from(sorted(ENCODINGS)),
)
def test_a_uniformly_random_secret_of_256_bits_or_more_always_passes(
    rng: random.Random, size: int, encoding: str
) -> None:
    secret = _random_secret(rng, size, encoding)
    assert secret_problem("REGISTRY_JWT_SECRET", secret) is None, secret


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=8, max_size=14),
    separator=st.sampled_from(["-", "_", ".", " ", ""]),
    suffix=st.sampled_from(["", "!", "2026", "1234!"]),
)
def test_a_passphrase_of_common_words_is_refused(words: list[str], separator: str, suffix: str) -> None:
    secret = separator.join(words) + suffix
    problem = secret_problem("REGISTRY_JWT_SECRET", secret)
    assert problem is not None and ("is guessable" in problem or "is too short" in problem), secret


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=True), size=st.integers(min_value=1, max_value=12))
def test_a_short_random_piece_repeated_is_refused(rng: random.Random, size: int) -> None:
    piece = rng.randbytes(size).hex()
    secret = (piece * (128 // len(piece) + 1))[:128]
    problem = secret_problem("REGISTRY_JWT_SECRET", secret)
    assert problem is not None and "is guessable" in problem, secret


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=True), size=st.integers(min_value=1, max_value=31))
def test_fewer_than_32_random_bytes_are_refused(rng: random.Random, size: int) -> None:
    problem = secret_problem("REGISTRY_JWT_SECRET", rng.randbytes(size).hex())
    assert problem is not None and "is too short" in problem


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["hex", "urlsafe"])
def test_thousands_of_random_secrets_keep_far_from_the_limit(encoding: str) -> None:
    """The margin on many draws: 500 ``token_*(32)`` draws, none refused. Before issue 14 about one hex
    draw in 2,000 lost more than the 56 bits allowed to chance patterns; now the worst of 500 lost 11."""
    rng = random.SystemRandom()
    refused = [s for s in (_random_secret(rng, 32, encoding) for _ in range(500)) if secret_problem("S", s)]
    assert refused == [], refused
    assert MAX_PATTERN_BITS == 56
