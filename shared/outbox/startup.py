"""``open_outbox``: a worker's outbox at process start, checked against the schema the code expects.

In development and tests the migrations run right here (serialised, a no-op at head); elsewhere they are the
release's business (``workers-core outbox migrate`` in a hook Job or init step, never every pod racing) and a
database behind the code refuses to start with one line.
"""

from __future__ import annotations

from shared.outbox.database import DEVELOPMENT_ENVIRONMENTS, outbox_engine
from shared.outbox.migration import migrate, require_head
from shared.outbox.store import Outbox

__all__ = ["open_outbox"]


def open_outbox(url: str | None, namespace: str, *, environment: str) -> Outbox:
    engine = outbox_engine(url, environment=environment)
    try:
        if environment.lower() in DEVELOPMENT_ENVIRONMENTS:
            migrate(engine)
        else:
            require_head(engine)
    except BaseException:
        engine.dispose()
        raise
    return Outbox(engine, namespace)
