"""ANAF core shared by every ANAF worker: errors, settings, HTTP clients, limits, OAuth tokens, signed ZIPs.

Typical use inside a task's service::

    rt = get_runtime()                                   # per process: Redis, limiters, tokens, clients
    client = rt.api_client(rt.settings.etransport_base_url)
    with translate_errors("etransport.upload"):
        response = client.post("/upload/ETRANSP/12345674/2", content=xml)
    check_response(response, "etransport.upload")
"""

from shared.anaf.config import AnafSettings, get_anaf_settings, load_anaf_settings
from shared.anaf.cui import cui_check_digit, is_valid_cui, normalize_cui
from shared.anaf.errors import (
    AnafAuthError,
    AnafDailyLimitError,
    AnafDownloadExpiredError,
    AnafError,
    AnafProtocolError,
    AnafRateLimitError,
    AnafResponseError,
    AnafTransportError,
    AnafWafRejectionError,
)
from shared.anaf.http import (
    SLOT_RESERVED,
    LimitedTransport,
    build_client,
    check_response,
    error_for_message,
    translate_errors,
)
from shared.anaf.ratelimit import RO_TZ, DailyQuota, RateLimiter, seconds_until_ro_midnight
from shared.anaf.runtime import AnafRuntime, get_runtime, runtime_resource
from shared.anaf.signature import SignedZip, load_pinned_certificates, open_signed_zip
from shared.anaf.tokens import (
    AnafBearerAuth,
    FileTokenStore,
    RedisTokenStore,
    TokenManager,
    TokenSet,
    TokenStore,
    jwt_expiry,
)

__all__ = [
    "RO_TZ",
    "SLOT_RESERVED",
    "AnafAuthError",
    # oauth
    "AnafBearerAuth",
    "AnafDailyLimitError",
    "AnafDownloadExpiredError",
    "AnafError",
    "AnafProtocolError",
    "AnafRateLimitError",
    "AnafResponseError",
    # settings and runtime
    "AnafRuntime",
    "AnafSettings",
    "AnafTransportError",
    "AnafWafRejectionError",
    # limits
    "DailyQuota",
    "FileTokenStore",
    # http
    "LimitedTransport",
    "RateLimiter",
    "RedisTokenStore",
    # identifiers and signatures
    "SignedZip",
    "TokenManager",
    "TokenSet",
    "TokenStore",
    "build_client",
    "check_response",
    "cui_check_digit",
    "error_for_message",
    "get_anaf_settings",
    "get_runtime",
    "is_valid_cui",
    "jwt_expiry",
    "load_anaf_settings",
    "load_pinned_certificates",
    "normalize_cui",
    "open_signed_zip",
    "runtime_resource",
    "seconds_until_ro_midnight",
    "translate_errors",
]
