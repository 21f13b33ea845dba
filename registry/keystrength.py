"""Strength rules for the registry's JWT keys (refused outside development; see registry/README.md).

HMAC secrets must carry 32 random bytes (256 bits), checked twice:

1. **Length.** Characters x bits per character of the smallest usual alphabet holding the secret (hex 4,
   base32 5, base64/base64url 6, printable ASCII 6.6; ``=`` padding counts nothing) must reach 256: a
   32-byte random key passes in any of these encodings, anything shorter cannot.
2. **Guessability.** zxcvbn splits the secret into the cheapest sequence of patterns an attacker would
   try (common passwords, dictionary words and names, l33t, repeats, sequences, keyboard walks, dates);
   the parts it leaves random are split at separators and each piece is scored again (``-Horse-`` is a
   word). A pattern costs log2(its guesses) plus where it sits and which kind it is (log2(length) + 4
   bits: without that price every chance "date" or 3-letter word in random hex looked free, and about one
   ``token_hex(32)`` in 2,000 was refused); what stays random costs the full alphabet density. At most 56
   of the secret's bits may be explained by patterns (so at least 200 of 256 remain): a passphrase, a
   repeated word or ``abcd...`` is explained by 90 bits and more. Random text from an alphabet explains
   about k bits by chance with probability near 2**-k once each pattern pays its place (a code-length
   argument; approximate, zxcvbn's guesses are not exact code lengths), so a uniformly random secret is
   refused with probability of the order of 2**-56. Measured: the worst of 500 ``token_hex(32)`` draws lost
   11 bits (the worst of 600 lost 36 without the place price, where 56 was the limit).

Asymmetric keys: RSA at least 2048 bits, EC on a curve of at least 256 bits (P-256, P-384, P-521), or
Ed25519/Ed448.
"""

from __future__ import annotations

import math
import re
import string
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt import PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError
from zxcvbn import zxcvbn  # ships no type information (ignore_missing_imports)

if TYPE_CHECKING:
    from registry.config import RegistrySettings

__all__ = ["MIN_EC_BITS", "MIN_RSA_BITS", "key_problem", "secret_problem", "weak_key_problem"]

MIN_SECRET_BITS: Final = 256
MAX_PATTERN_BITS: Final = 56
_KIND_BITS: Final = 4.0  # which pattern kind and which of zxcvbn's dictionaries (see the module docstring)
MIN_RSA_BITS: Final = 2048
MIN_EC_BITS: Final = 256
_ZXCVBN_CHUNK: Final = 72  # zxcvbn refuses longer inputs; longer secrets are scored chunk by chunk
_ALPHABETS: Final = (
    (set(string.digits + "abcdef"), 16),
    (set(string.digits + "ABCDEF"), 16),
    (set(string.ascii_uppercase + "234567"), 32),
    (set(string.ascii_letters + string.digits + "+/"), 64),
    (set(string.ascii_letters + string.digits + "-_"), 64),
    (set(string.printable) - set(string.whitespace) | {" "}, 95),
)
_PIECES: Final = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]+")
_ADVICE: Final = "use at least 32 random bytes, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _alphabet(body: str) -> int:
    chars = set(body)
    return next((size for alphabet, size in _ALPHABETS if chars <= alphabet), 95)


def _pattern_bits(match: dict[str, Any], density: float, place: float) -> float:
    """What a pattern costs to name: its guesses, plus where it sits and which kind it is (``place``)."""
    return min(math.log2(max(float(match["guesses"]), 1.0)) + place, len(match["token"]) * density)


def _random_run_bits(token: str, density: float, place: float) -> float:
    """A run zxcvbn left as random: each word-like piece between separators is scored on its own."""
    bits = 0.0
    for piece in _PIECES.findall(token):
        cost = len(piece) * density
        if piece.isalnum() and len(piece) >= 3:
            (only, *rest) = zxcvbn(piece[:_ZXCVBN_CHUNK])["sequence"]
            if not rest and only["pattern"] != "bruteforce":
                cost = _pattern_bits(only, density, place)
        bits += cost
    return bits


def _guess_bits(body: str, density: float) -> float:
    """Bits an attacker must still guess: random runs at the alphabet density, patterns at their price."""
    place = math.log2(max(len(body), 2)) + _KIND_BITS
    bits = 0.0
    for start in range(0, len(body), _ZXCVBN_CHUNK):
        for match in zxcvbn(body[start : start + _ZXCVBN_CHUNK])["sequence"]:
            if match["pattern"] == "bruteforce":
                bits += _random_run_bits(match["token"], density, place)
            else:
                bits += _pattern_bits(match, density, place)
    return bits


def secret_problem(name: str, secret: str) -> str | None:
    """Why ``secret`` (the value of setting ``name``) is too weak for an HMAC key; None when strong."""
    body = secret.strip().rstrip("=")
    density = math.log2(_alphabet(body)) if body else 0.0
    raw = len(body) * density
    if raw < MIN_SECRET_BITS:
        return f"{name} is too short: {len(body)} characters carry at most {raw:.0f} of the 256 bits needed; {_ADVICE}"
    explained = raw - _guess_bits(body, density)
    if explained > MAX_PATTERN_BITS:
        return (
            f"{name} is guessable (words, repeats, sequences or keyboard patterns save an attacker about "
            f"{explained:.0f} of its {raw:.0f} bits, at most {MAX_PATTERN_BITS} may be); {_ADVICE}"
        )
    return None


def key_problem(name: str, key: Any) -> str | None:
    """Why the public ``key`` (a ``cryptography`` key object) is too weak; None when strong enough."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            return f"{name} is an RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} are required"
        return None
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if key.curve.key_size < MIN_EC_BITS:
            return f"{name} is an EC key on {key.curve.name} ({key.curve.key_size} bits); P-256 or larger is required"
        return None
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return None
    return f"{name} is a {type(key).__name__}, not an RSA, EC or Ed25519/Ed448 key"


def _public_keys(settings: RegistrySettings) -> list[tuple[str, Any]]:
    """``(setting name, key)`` of every statically configured verification key (JWKS URLs are checked on use)."""
    keys: list[tuple[str, Any]] = []
    pem = settings.jwt_public_key
    name = "REGISTRY_JWT_PUBLIC_KEY"
    if pem is None and settings.jwt_public_key_file is not None:
        pem, name = settings.jwt_public_key_file.read_text(encoding="utf-8"), "REGISTRY_JWT_PUBLIC_KEY_FILE"
    if pem is not None:
        keys.append((name, load_pem_public_key(pem.encode())))
    if settings.jwt_jwks_file is not None:
        for jwk in PyJWKSet.from_json(settings.jwt_jwks_file.read_text(encoding="utf-8")).keys:
            keys.append((f"REGISTRY_JWT_JWKS_FILE key {jwk.key_id!r}", jwk.key))
    return keys


def weak_key_problem(settings: RegistrySettings) -> str | None:
    """The first reason a configured JWT key is too weak for production (one line), or None."""
    names = ("REGISTRY_JWT_SECRET", "REGISTRY_JWT_PREVIOUS_SECRET")
    for name, (_, secret) in zip(names, settings.hmac_secrets(), strict=False):
        if (problem := secret_problem(name, secret)) is not None:
            return problem
    try:
        keys = _public_keys(settings)
    except (OSError, ValueError, PyJWKError, PyJWKSetError) as exc:
        return f"a configured JWT public key cannot be read: {type(exc).__name__}: {exc}"
    for name, key in keys:
        problem = (
            (None if len(key) >= MIN_SECRET_BITS // 8 else f"{name} is an HMAC key of {len(key)} bytes; {_ADVICE}")
            if isinstance(key, bytes)
            else key_problem(name, key)
        )
        if problem is not None:
            return problem
    return None
