"""Fake ANAF (registry v9, OAuth, e-Factura; e-Transport/REGES plug in) speaking real HTTP on loopback."""

from tests.fakes.anaf.app import build_app
from tests.fakes.anaf.server import FakeAnafServer, free_port
from tests.fakes.anaf.signing import SigningIdentity
from tests.fakes.anaf.state import FakeAnafState, FakeConfig, Filing

__all__ = [
    "FakeAnafServer",
    "FakeAnafState",
    "FakeConfig",
    "Filing",
    "SigningIdentity",
    "build_app",
    "free_port",
]
