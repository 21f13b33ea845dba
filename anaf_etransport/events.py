"""Events of the ``anaf.etransport`` worker (declarations for the AsyncAPI document and the SDKs).

The call that settles a verdict announces it once, with the result (less ``duplicate``) as data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from shared.worker import EventSpec

__all__ = ["EVENTS", "EtransportVerdict"]


class EtransportVerdict(BaseModel):
    """A settled e-Transport declaration (``EtransportResult`` without ``duplicate``)."""

    key: str
    cif: str
    kind: str
    state: Literal["processing", "ok", "nok"]
    index_incarcare: int | None
    uit: str | None
    uit_valid: bool
    declarant_ref: str | None
    xml_sha256: str
    xml_artifact: str | None
    errors: list[str]
    validated_with: list[dict[str, str]]


EVENTS: tuple[EventSpec, ...] = (
    EventSpec(
        "etransport.uit_issued", EtransportVerdict, "ANAF accepted a notification or correction: the UIT is valid."
    ),
    EventSpec("etransport.accepted", EtransportVerdict, "ANAF accepted a deletion, confirmation or vehicle change."),
    EventSpec("etransport.rejected", EtransportVerdict, "ANAF rejected the declaration (``errors``)."),
)
