"""What the console's request handlers use, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from console.audit import AuditLog
from console.auth import TokenVerifier
from console.config import ConsoleSettings
from console.control import Control
from console.database import console_engine
from console.deadletters import DeadLetters
from console.history import HistoryStore
from console.ingest import EventIngester
from console.registry_client import RegistryClient

__all__ = ["ConsoleServices", "build_ingester"]


@dataclass
class ConsoleServices:
    settings: ConsoleSettings
    engine: Engine
    verifier: TokenVerifier
    history: HistoryStore
    audit: AuditLog
    registry: RegistryClient
    deadletters: DeadLetters
    control: Control

    @classmethod
    def build(cls, settings: ConsoleSettings) -> ConsoleServices:
        engine = console_engine(settings.database_url)
        broker = settings.rmq_url.get_secret_value()
        return cls(
            settings=settings,
            engine=engine,
            verifier=TokenVerifier(settings),
            history=HistoryStore(engine),
            audit=AuditLog(engine),
            registry=RegistryClient(settings),
            deadletters=DeadLetters(broker),
            control=Control(settings),
        )

    async def close(self) -> None:
        await self.registry.close()
        self.engine.dispose()


def build_ingester(settings: ConsoleSettings, engine: Engine) -> EventIngester:
    return EventIngester(
        HistoryStore(engine),
        batch=settings.ingest_batch,
        flush_seconds=settings.ingest_flush_seconds,
        retention=timedelta(days=settings.retention_days),
        prune_interval=settings.prune_interval,
    )
