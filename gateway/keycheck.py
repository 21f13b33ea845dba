"""The gateway's JWT keys go through the registry's strength rules (``registry.keystrength``)."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from registry.keystrength import key_problem, secret_problem

__all__ = ["weak_key_problem"]


def weak_key_problem(secret: str | None, public_pem: str | None) -> str | None:
    """Why the configured HMAC secret or PEM public key is too weak for production (one line), or None."""
    if secret is not None and (problem := secret_problem("GATEWAY_JWT_SECRET", secret)) is not None:
        return problem
    if public_pem is not None:
        try:
            key = load_pem_public_key(public_pem.encode())
        except ValueError as exc:
            return f"GATEWAY_JWT_PUBLIC_KEY cannot be read: {exc}"
        return key_problem("GATEWAY_JWT_PUBLIC_KEY", key)
    return None
