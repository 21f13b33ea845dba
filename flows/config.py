"""``FlowsSettings`` (``FLOWS_*``): the flows' state database and the pace at which a flow watches its steps.

The state lives in the shared outbox (``shared.outbox``): ``FLOWS_DATABASE_URL`` or, shared by the filing
workers, ``DATABASE_URL``; outside development it must be PostgreSQL. The invoicing flow also reads the
e-Factura rows of the same database (it never writes them).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import WorkerSettings
from shared.outbox import check_database

__all__ = ["FlowsSettings", "worker_settings"]


class FlowsSettings(WorkerSettings):
    model_config = SettingsConfigDict(env_prefix="FLOWS_", env_file=".env", extra="ignore", populate_by_name=True)

    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("FLOWS_DATABASE_URL", "DATABASE_URL")
    )
    #: seconds between two looks at a running step, by how many looks it has had (the last one repeats)
    watch_schedule_s: list[float] = Field(default=[1, 1, 1, 2, 2, 3, 5, 8, 13, 20, 30, 60], min_length=1)
    #: a step whose task has not finished after this long (lost, expired result) stops the flow
    step_timeout_s: float = Field(default=3600.0, gt=0)
    #: how long ANAF may take to accept or reject a filed invoice before the flow gives up on it
    anaf_timeout_s: float = Field(default=3 * 86400.0, gt=0)
    #: where rejections and stopped flows are reported (``notify.slack``)
    accounting_channel: str = "#contabilitate"

    @property
    def database(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url is not None else None


def worker_settings() -> FlowsSettings:
    """The worker's settings; outside development a missing or SQLite database refuses the start."""
    settings = FlowsSettings()
    check_database(settings.database, environment=settings.workers_core_env)
    return settings
