"""The console's one exception tree; ``status`` is the HTTP status a page or API answer maps it to."""

from __future__ import annotations

__all__ = [
    "BrokerError",
    "ConsoleConfigError",
    "ConsoleError",
    "ForbiddenError",
    "NotAuthenticated",
    "NotFound",
    "RegistryUnavailable",
    "RequestRefused",
]


class ConsoleError(Exception):
    status = 500


class ConsoleConfigError(ConsoleError):
    """Settings or database state the console refuses to start with."""


class NotAuthenticated(ConsoleError):
    status = 401


class ForbiddenError(ConsoleError):
    status = 403


class NotFound(ConsoleError):
    status = 404


class RequestRefused(ConsoleError):
    """An action whose parameters make no sense (unknown queue, nothing selected...)."""

    status = 422


class RegistryUnavailable(ConsoleError):
    status = 503


class BrokerError(ConsoleError):
    """RabbitMQ or Celery remote control failed."""

    status = 503
