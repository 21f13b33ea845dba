"""workers-core client: send tasks and wait for typed results over Celery or the task gateway; typed events.

Models are generated from the platform's committed contracts (``models``, ``catalog``); see README.md.
"""

from workers_core_client.catalog import EVENTS, TASKS
from workers_core_client.client import Client
from workers_core_client.errors import (
    Conflict,
    Forbidden,
    InvalidPayload,
    NotFound,
    RateLimited,
    TaskFailed,
    TaskTimeout,
    Unauthorized,
    Unavailable,
    WorkersCoreError,
)
from workers_core_client.http_transport import HttpTransport
from workers_core_client.status import ErrorInfo, TaskHandle, TaskStatus
from workers_core_client.tasktype import TaskType

__version__ = "0.1.0"

__all__ = [
    "EVENTS",
    "TASKS",
    "Client",
    "Conflict",
    "ErrorInfo",
    "Forbidden",
    "HttpTransport",
    "InvalidPayload",
    "NotFound",
    "RateLimited",
    "TaskFailed",
    "TaskHandle",
    "TaskStatus",
    "TaskTimeout",
    "TaskType",
    "Unauthorized",
    "Unavailable",
    "WorkersCoreError",
    "__version__",
]
