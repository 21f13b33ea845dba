"""Fixtures of the ANAF core tests (defined in ``tests/anaf/fixtures.py``, shared with the worker tests)."""

from tests.anaf.fixtures import anaf_env, anaf_runtime, anaf_settings, fake_anaf

__all__ = ["anaf_env", "anaf_runtime", "anaf_settings", "fake_anaf"]


def pytest_configure(config):  # type: ignore[no-untyped-def]
    config.addinivalue_line(
        "markers", "anaf_live: talks to the real ANAF (opt-in: ANAF_LIVE=1 plus credentials in the environment)"
    )
