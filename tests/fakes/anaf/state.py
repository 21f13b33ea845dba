"""In-memory state of the fake ANAF: knobs, OAuth clients and tokens, registry data, e-Factura filings."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from anaf_core.cui import is_valid_cui
from tests.fakes.anaf.signing import SigningIdentity

RO_TZ = ZoneInfo("Europe/Bucharest")
DAY = 86400


@dataclass
class FakeConfig:
    """Behaviour knobs; tests change them directly or through ``POST /_fake/config``."""

    registry_envelope: bool = False  # wrap answers in {"cod":200,"message":"SUCCESS",...} (documented form)
    registry_min_interval_s: float = 0.9  # 1 req/s with 100 ms tolerance for network jitter
    registry_max_cuis: int = 100
    registry_down: bool = False  # answer 503 (ANAF unavailable)
    registry_not_found: set[str] = field(default_factory=set)  # checksum-valid CUIs ANAF does not know
    api_calls_per_minute: int = 1000
    efactura_down: bool = False
    processing_delay_s: float = 0.3  # "in prelucrare" -> ok/nok after this long
    #: invoice number -> the errors ANAF's processing finds in it (a business rejection: ``nok`` + error file)
    processing_errors: dict[str, list[str]] = field(default_factory=dict)
    upload_response_delay_s: float = 0.0  # filing recorded at once, answer held this long (crash window)
    list_lag_s: float = 0.0  # a final message shows in the lists only after this long
    stare_daily_cap: int = 100
    download_daily_cap: int = 10
    access_token_ttl_s: int = 90 * DAY
    refresh_token_ttl_s: int = 365 * DAY
    rotate_refresh_tokens: bool = True  # a used refresh token stops working
    spv_cifs: set[str] | None = None  # None: the token has SPV rights for every checksum-valid CIF
    max_upload_bytes: int = 10 * 1024 * 1024

    def update(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            if not hasattr(self, key):
                raise KeyError(key)
            current = getattr(self, key)
            if isinstance(current, set) or key == "spv_cifs":
                value = None if value is None else {str(v) for v in value}
            setattr(self, key, value)


@dataclass
class Filing:
    """One e-Factura upload as ANAF records it."""

    index: int
    cif: str
    standard: str
    b2c: bool
    flags: dict[str, bool]
    xml: bytes
    received_at: float
    seller_cif: str | None
    buyer_cif: str | None
    invoice_id: str | None
    issue_date: str | None
    root: str | None
    parse_error: str | None = None
    state: str = "in prelucrare"
    errors: list[str] = field(default_factory=list)
    download_id: int | None = None
    finalized_at: float | None = None
    stare_calls: dict[str, int] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.state in ("ok", "nok")


@dataclass
class Message:
    """An entry of listaMesajeFactura: what a CIF sees in its SPV mailbox."""

    id: int
    cif: str
    id_solicitare: int
    tip: str
    detalii: str
    created_at: float
    document: bytes
    document_name: str


class FakeAnafState:
    """Everything the fake knows; all access goes through ``lock`` (uvicorn serves sync routes in threads)."""

    def __init__(self, identity: SigningIdentity | None = None, config: FakeConfig | None = None):
        self.lock = threading.RLock()
        self.config = config or FakeConfig()
        self.identity = identity or SigningIdentity.generate()
        self.jwt_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.time_offset = 0.0
        self.clients: dict[str, dict[str, Any]] = {
            "fake-client-id": {
                "secret": "fake-client-secret",
                "redirect_uris": {"https://localhost:8443/callback"},
            }
        }
        self.codes: dict[str, dict[str, Any]] = {}
        self.live_refresh: set[str] = set()
        self.revoked_access: set[str] = set()
        self.token_calls: list[dict[str, Any]] = []
        #: "METHOD /path" of every request to an ANAF/REGES surface (the fake's own /_fake routes excluded)
        self.requests: list[str] = []
        self.registry_calls: list[dict[str, Any]] = []
        self.registry_last: float | None = None
        self.registry_arrivals: list[float] = []
        self.registry_violations = 0
        self.api_window: list[float] = []
        self.api_rate_violations = 0
        self.filings: dict[int, Filing] = {}
        self.messages: list[Message] = []
        self.downloads: dict[int, Message] = {}
        self.download_calls: dict[str, int] = {}
        self.upload_attempts: list[dict[str, Any]] = []
        # indexes are unique across ANAF: each fake starts somewhere else, so outboxes shared between tests
        # (one database per session) never see the same index twice
        self._index = itertools.count(5_000_000_001 + secrets.randbelow(10**8) * 10)
        self._download = itertools.count(3_000_000_001 + secrets.randbelow(10**8) * 10)

    # --- clock -------------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.time_offset

    def ro_day(self) -> str:
        return dt.datetime.fromtimestamp(self.now(), RO_TZ).strftime("%Y%m%d")

    # --- OAuth ---------------------------------------------------------------------------------------
    def issue_code(self, client_id: str, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"client_id": client_id, "redirect_uri": redirect_uri, "issued_at": self.now()}
        return code

    def _jwt(self, kind: str, client_id: str, ttl: int) -> str:
        now = int(self.now())
        claims = {
            "iss": "https://logincert.anaf.ro",
            "sub": "fake-user",
            "aud": [client_id],
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            "token_type": kind,
            "scope": "clientappid info issuer role serial",
            "clientappid": client_id,
            "role": "EFACTURA ETRANSPORT",
            "serial": "FAKE-CERT-SERIAL",
        }
        return jwt.encode(claims, self.jwt_key, algorithm="RS512")

    def issue_tokens(self, client_id: str) -> dict[str, Any]:
        access = self._jwt("access", client_id, self.config.access_token_ttl_s)
        refresh = self._jwt("refresh", client_id, self.config.refresh_token_ttl_s)
        self.live_refresh.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.config.access_token_ttl_s,
        }

    def decode(self, token: str, kind: str) -> dict[str, Any] | None:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.jwt_key.public_key(),
                algorithms=["RS512"],
                options={"verify_exp": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("token_type") != kind or claims.get("exp", 0) <= self.now():
            return None
        return claims

    def has_rights(self, cif: str) -> bool:
        allowed = self.config.spv_cifs
        return is_valid_cui(cif) if allowed is None else cif in allowed

    # --- api.anaf.ro global limit ------------------------------------------------------------------------
    def api_call_allowed(self) -> bool:
        now = self.now()
        self.api_window = [t for t in self.api_window if now - t < 60.0]
        if len(self.api_window) >= self.config.api_calls_per_minute:
            self.api_rate_violations += 1
            return False
        self.api_window.append(now)
        return True

    # --- e-Factura ------------------------------------------------------------------------------------
    def next_index(self) -> int:
        return next(self._index)

    def next_download_id(self) -> int:
        return next(self._download)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "filings": [
                    {
                        "index": f.index,
                        "cif": f.cif,
                        "standard": f.standard,
                        "b2c": f.b2c,
                        "flags": f.flags,
                        "state": f.state,
                        "errors": f.errors,
                        "download_id": f.download_id,
                        "invoice_id": f.invoice_id,
                        "issue_date": f.issue_date,
                        "seller_cif": f.seller_cif,
                        "stare_calls": f.stare_calls,
                    }
                    for f in self.filings.values()
                ],
                "upload_attempts": len(self.upload_attempts),
                "registry_calls": len(self.registry_calls),
                "registry_violations": self.registry_violations,
                "registry_max_batch": max((c["count"] for c in self.registry_calls), default=0),
                "api_rate_violations": self.api_rate_violations,
                "token_calls": [{k: v for k, v in c.items() if k != "form"} for c in self.token_calls],
                "download_calls": self.download_calls,
            }
