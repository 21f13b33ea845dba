"""``Finding``: one verdict about a document (XML, XSD, Schematron or our own checks), the same for every worker."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Finding", "Source"]

Source = Literal["xml", "xsd", "schematron", "checks", "duk"]


@dataclass(frozen=True)
class Finding:
    """``fatal`` findings block a filing; the rest are reported. ``rule`` is the official id when there is one."""

    source: Source
    rule: str
    message: str
    fatal: bool = True
    location: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_error(self, root: str = "xml") -> dict[str, Any]:
        """The finding as a ``PayloadError`` item (``loc`` / ``msg`` / ``type``)."""
        loc = [root, self.location] if self.location else [root]
        return {
            "loc": loc,
            "msg": f"[{self.rule}] {self.message}" if self.rule else self.message,
            "type": self.rule or self.source,
        }
