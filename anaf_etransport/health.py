"""Deep health checks of the `anaf.etransport` worker (run by /readyz?deep=true with a 5 s timeout)."""

from shared.health import DeepCheck

DEEP_CHECKS: list[DeepCheck] = []
