"""The worker's consumer: a message it cannot decode is dead-lettered, never acked away.

Celery's ``Consumer.on_decode_error`` logs and *acks* an undecodable message (a body that is not JSON, a content
type we do not accept, no ``task`` header and a garbled body): the message was gone without a trace. Here it is
rejected without requeue, so the quorum queue dead-letters it into ``<queue>.dlq`` (``x-death`` reason
``rejected``) for inspection, like every other message we cannot run. Installed by ``celeryconfig.worker_consumer``.
"""

from __future__ import annotations

from typing import Any

from celery.utils.log import get_logger
from celery.worker.consumer import Consumer

__all__ = ["DeadLetteringConsumer"]

logger = get_logger(__name__)


class DeadLetteringConsumer(Consumer):
    """Celery's consumer, except that undecodable messages go to the dead-letter queue."""

    def on_decode_error(self, message: Any, exc: BaseException) -> None:
        logger.critical(
            "undecodable message dead-lettered: %r (content_type=%r, content_encoding=%r, headers=%r, %d bytes)",
            exc,
            message.content_type,
            message.content_encoding,
            sorted((message.headers or {}).keys()),
            len(message.body or b""),
        )
        message.reject_log_error(logger, self.connection_errors, requeue=False)
