"""ANAF's client, shared by every ANAF worker: errors, settings, HTTP clients, daily caps, OAuth tokens, signed ZIPs.

Typical use inside a worker's services::

    rt = AnafRuntime.create(settings)                    # per process: Redis, limiters, tokens, clients
    client = rt.api_client(rt.settings.etransport_base_url)
    response = client.post("/upload/ETRANSP/12345674/2", content=xml, extensions={OPERATION: "etransport.upload"})
    # any failure already raised the ANAF tree (anaf_core.errors) at the transport; parse the good answer

``workers-core anaf ...`` (``anaf_core.cli``) is the OAuth bootstrap a human runs once.
"""

from anaf_core import errors
from anaf_core.config import AnafSettings, get_anaf_settings, load_anaf_settings
from anaf_core.cui import cui_check_digit, is_valid_cui, normalize_cui
from anaf_core.errors import *  # noqa: F403  (the whole ANAF tree, errors.__all__)
from anaf_core.http import ANAF_ERRORS, build_client, error_for_message
from anaf_core.quota import RO_TZ, DailyQuota, seconds_until_ro_midnight
from anaf_core.runtime import AnafRuntime
from anaf_core.signature import SignedZip, load_pinned_certificates, open_signed_zip
from anaf_core.tokens import FileTokenStore, RedisTokenStore, TokenManager, TokenSet, TokenStore, jwt_expiry

__all__ = [
    "ANAF_ERRORS",
    "RO_TZ",
    # settings and runtime
    "AnafRuntime",
    "AnafSettings",
    # limits
    "DailyQuota",
    # oauth
    "FileTokenStore",
    "RedisTokenStore",
    # signatures
    "SignedZip",
    "TokenManager",
    "TokenSet",
    "TokenStore",
    # http
    "build_client",
    # identifiers
    "cui_check_digit",
    "error_for_message",
    "get_anaf_settings",
    "is_valid_cui",
    "jwt_expiry",
    "load_anaf_settings",
    "load_pinned_certificates",
    "normalize_cui",
    "open_signed_zip",
    "seconds_until_ro_midnight",
]
__all__ += errors.__all__  # the ANAF exception tree
