"""Fixtures of the ANAF core tests (defined in ``tests/anaf/fixtures.py``, shared with the worker tests)."""

from tests.anaf.fixtures import anaf_env, anaf_runtime, anaf_settings, fake_anaf

__all__ = ["anaf_env", "anaf_runtime", "anaf_settings", "fake_anaf"]
