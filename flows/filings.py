"""Where an e-Factura filing stands, read from its row in the shared outbox (namespace ``efactura``).

The flow never writes that row and never imports the e-Factura worker: it reads the row's public columns
(``state``: new/uploading/uploaded/accepted/rejected/upload_rejected; ``errors``) and the few ``data`` fields
the worker documents in its results (``upload_index``, ``zip_artifact``, ``anaf_state``).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import PermanentError
from shared.outbox import Outbox

__all__ = ["EFACTURA_NAMESPACE", "Filing", "FilingReader"]

EFACTURA_NAMESPACE = "efactura"


@dataclass(frozen=True)
class Filing:
    id: int
    status: str
    upload_index: int | None
    zip_artifact: str | None
    anaf_state: str | None
    errors: list[str]


class FilingReader:
    def __init__(self, box: Outbox):
        self.box = box

    def __call__(self, outbox_id: int) -> Filing:
        row = self.box.by_id(outbox_id)
        if row is None:
            raise PermanentError(f"no e-Factura filing {outbox_id}", code="flow_filing_unknown")
        data = row.data
        index = data.get("upload_index")
        return Filing(
            id=row.id,
            status=row.state,
            upload_index=int(index) if index is not None else None,
            zip_artifact=data.get("zip_artifact"),
            anaf_state=data.get("anaf_state"),
            errors=list(row.errors or []),
        )
