"""Every Redis key name of workers-core, under one scheme: ``wrk:<namespace>:<kind>:<parts...>``.

``namespace`` is the owner (``registry``, ``email``, ``slack``, ``anaf`` or the ANAF_REDIS_NAMESPACE of a
deployment, ``reges``); ``kind`` what the key holds (``idem``, ``rate``, ``quota``, ``oauth``, ``taxpayer``,
``poll``...). Nothing outside this module spells a key. The worker registry's keys and channel are a
contract with the dashboards and the gateway that read them: change them here and nowhere else.

==============================================  ======  ===================================================
key                                             TTL     content
==============================================  ======  ===================================================
``wrk:registry:status:<tag>``  (hash)           120 s   field ``<instance_id>`` -> JSON status record
``wrk:registry:metrics:<tag>`` (hash)           60 s    field ``<instance_id>`` -> JSON heartbeat metrics,
                                                        field ``<instance_id>#scrape`` -> scraped metrics
``wrk:events``                 (channel)        -       JSON event envelope per state change
``wrk:registry:tags``          (set)            -       tags seen (so reads find tags not yet in SQL)
``wrk:registry:dirty``         (set)            -       ``<tag>|<instance_id>`` waiting for the SQL flush
``wrk:registry:seq``           (counter)        -       sequence number of the events on ``wrk:events``
``wrk:registry:queue:<tag>``   (list)           1 h     recent queue-depth samples (JSON), newest first
``wrk:registry:scaling:<tag>`` (string)         1 d     last scaling recommendation (JSON), for cooldowns
``wrk:registry:lock:<job>``    (string)         job     leader lock so one registry replica runs a job
``wrk:gateway:idem:<tenant>:<sha256>``  window  the gateway's Idempotency-Key record (JSON: body hash, answer)
``wrk:gateway:task:<task_id>`` (string)         1 d     owner of a task sent through the gateway (JSON)
``wrk:gateway:rate:caller:<tenant>/<sub>``      GCRA    per-caller request schedule of the gateway
==============================================  ======  ===================================================

TTLs are refreshed on every write; a tag's hash expires when none of its instances has written for
the TTL. Staleness of a single instance is computed from its ``last_seen`` timestamp, never from key
expiry (Redis expires lazily). Instance ids never contain ``|`` or ``#`` (see ``INSTANCE_ID_PATTERN``).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DIRTY_KEY",
    "EVENTS_CHANNEL",
    "INSTANCE_ID_PATTERN",
    "METRICS_TTL_SECONDS",
    "PREFIX",
    "QUEUE_SAMPLES_TTL_SECONDS",
    "SCALING_TTL_SECONDS",
    "SCRAPE_FIELD_SUFFIX",
    "SEQ_KEY",
    "STATUS_TTL_SECONDS",
    "TAGS_KEY",
    "TAG_PATTERN",
    "dirty_member",
    "gateway_idempotency_key",
    "gateway_task_key",
    "idempotency_key",
    "legacy_oauth_tokens_key",
    "lock_key",
    "metrics_key",
    "oauth_lock_key",
    "oauth_tokens_key",
    "parse_dirty_member",
    "poll_chain_key",
    "queue_samples_key",
    "quota_key",
    "rate_key",
    "scaling_key",
    "scoped",
    "scrape_field",
    "status_key",
    "taxpayer_key",
]

PREFIX: Final = "wrk:registry:"
EVENTS_CHANNEL: Final = "wrk:events"

STATUS_TTL_SECONDS: Final = 120
METRICS_TTL_SECONDS: Final = 60
QUEUE_SAMPLES_TTL_SECONDS: Final = 3600
SCALING_TTL_SECONDS: Final = 86400

TAGS_KEY: Final = PREFIX + "tags"
DIRTY_KEY: Final = PREFIX + "dirty"
SEQ_KEY: Final = PREFIX + "seq"
SCRAPE_FIELD_SUFFIX: Final = "#scrape"

#: A worker tag is its queue name (``ocr``, ``pdf.render``, ``anaf.efactura`` ...).
TAG_PATTERN: Final = r"^[a-z0-9][a-z0-9._-]{0,62}$"
#: Celery node names (``ocr@host``), pod names and UIDs; no ``|``, ``#`` or ``/``.
INSTANCE_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,199}$"


def status_key(tag: str) -> str:
    """Hash of the status records of every instance of ``tag`` (TTL ``STATUS_TTL_SECONDS``)."""
    return f"{PREFIX}status:{tag}"


def metrics_key(tag: str) -> str:
    """Hash of the latest metrics of every instance of ``tag`` (TTL ``METRICS_TTL_SECONDS``)."""
    return f"{PREFIX}metrics:{tag}"


def scrape_field(instance_id: str) -> str:
    """Field of ``metrics_key`` holding what the registry scraped from the instance's ``/metrics``."""
    return instance_id + SCRAPE_FIELD_SUFFIX


def queue_samples_key(tag: str) -> str:
    """List of recent queue-depth samples of the tag's queue (newest first)."""
    return f"{PREFIX}queue:{tag}"


def scaling_key(tag: str) -> str:
    """Last scaling recommendation of ``tag`` (kept for the scale-down cooldown)."""
    return f"{PREFIX}scaling:{tag}"


def lock_key(job: str) -> str:
    """Leader lock of a periodic registry job."""
    return f"{PREFIX}lock:{job}"


def dirty_member(tag: str, instance_id: str) -> str:
    """Member of ``DIRTY_KEY`` naming one instance whose record awaits the SQL flush."""
    return f"{tag}|{instance_id}"


def parse_dirty_member(member: str) -> tuple[str, str]:
    """Inverse of ``dirty_member``."""
    tag, _, instance_id = member.partition("|")
    return tag, instance_id


# --- the workers' keys -----------------------------------------------------------------------------------
def scoped(namespace: str, kind: str, *parts: str) -> str:
    """``wrk:<namespace>:<kind>:<parts...>``, the one scheme (parts must not be empty)."""
    if not namespace or not kind or any(not p for p in parts):
        raise ValueError("key parts must not be empty")
    return ":".join(("wrk", namespace, kind, *parts))


def idempotency_key(namespace: str, digest: str) -> str:
    """Claim / outcome of one idempotency key (``shared.idempotency``), stored by the key's SHA-256."""
    return scoped(namespace, "idem", digest)


def rate_key(namespace: str, name: str) -> str:
    """GCRA schedule of one limiter (``shared.ratelimit``); per-subject keys append ``:<subject>``."""
    return scoped(namespace, "rate", name)


def quota_key(namespace: str, name: str, day: str, subject: str) -> str:
    """A daily counter (ANAF's per-message / per-CUI caps), ``day`` as ``YYYYMMDD`` Romania time."""
    return scoped(namespace, "quota", name, day, subject)


def oauth_tokens_key(namespace: str, client_key: str) -> str:
    """The token pair of one OAuth app, shared by every replica (persist this Redis: AOF)."""
    return scoped(namespace, "oauth", client_key, "tokens")


def legacy_oauth_tokens_key(namespace: str, client_key: str) -> str:
    """Where releases before the one-scheme keys stored the token pair (read once, then moved)."""
    return f"{namespace}:oauth:{client_key}:tokens"


def oauth_lock_key(namespace: str, label: str) -> str:
    """Single-flight lock of a token refresh across replicas."""
    return scoped(namespace, "oauth", label, "refresh-lock")


def taxpayer_key(namespace: str, kind: str, *parts: str) -> str:
    """The VAT-registry worker's cache (``cache``/``stale``), pending batch and batch results."""
    return scoped(namespace, "taxpayer", kind, *parts)


def poll_chain_key(namespace: str, outbox_id: int) -> str:
    """Which ``efactura.poll`` task id currently owns the follow-up chain of an outbox row."""
    return scoped(namespace, "poll", "efactura", str(outbox_id))


def gateway_idempotency_key(tenant: str, key_digest: str) -> str:
    """The gateway's record of one ``Idempotency-Key`` of ``tenant`` (stored by the key's SHA-256)."""
    return scoped("gateway", "idem", tenant, key_digest)


def gateway_task_key(task_id: str) -> str:
    """Owner (tenant, caller, task name, correlation id) of a task sent through the gateway."""
    return scoped("gateway", "task", task_id)
