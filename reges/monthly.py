"""The monthly REGES run: the HR module enrolls each company's messages for a month, beat sends them once.

``reges.monthly.enroll`` stores, per company and month, the headcount and the messages to report (shared outbox,
namespace ``reges-monthly``, key ``<cui>|<YYYY-MM>``, scope the CUI): ``planned``. ``reges.monthly`` (beat, on
the 1st; or by hand for a month) picks the companies due (``reges.schedule.companies_due``: employees > 0, not
reported this month), sends one ``reges.submit`` per message with a task id derived from company, month and
position (so its MessageId is too: a repeated run never files twice), and marks the month ``submitted`` under the
run's task id. The results come back through ``reges.drain`` (beat, every minute) as ``reges.result`` events
naming the company.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from reges.models import SubmitMessage
from reges.schedule import CompanyHeadcount, companies_due
from shared.errors import PermanentError
from shared.outbox import Outbox, OutboxRow

__all__ = ["MONTHLY", "MonthlyEnrollRequest", "MonthlyPlan", "MonthlyRunRequest", "submit_task_id"]

MONTHLY = "reges-monthly"
Month = Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")
_MESSAGE: TypeAdapter[Any] = TypeAdapter(SubmitMessage)


class MonthlyEnrollRequest(BaseModel):
    """``reges.monthly.enroll``: a company's headcount and the messages it reports for ``month``."""

    model_config = ConfigDict(extra="forbid")

    employer_cui: str = Field(pattern=r"^[1-9][0-9]{1,9}$")
    month: str = Month
    employees: int = Field(ge=0)
    #: ``reges.submit`` messages as that task takes them (each checked here, sent as given)
    messages: list[dict[str, Any]] = Field(default_factory=list, max_length=5000)

    @field_validator("messages")
    @classmethod
    def _each_a_message(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for message in value:
            _MESSAGE.validate_python(message)
        return value


class MonthlyRunRequest(BaseModel):
    """``reges.monthly``: the run of ``today``'s month (default: today, UTC)."""

    model_config = ConfigDict(extra="forbid")

    today: dt.date | None = None


def submit_task_id(cui: str, month: str, position: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"workers-core:reges:monthly:{cui}:{month}:{position}"))


class MonthlyPlan:
    def __init__(self, box: Outbox):
        self.box = box

    def enroll(self, req: MonthlyEnrollRequest) -> dict[str, Any]:
        key = f"{req.employer_cui}|{req.month}"
        data: dict[str, Any] = {"month": req.month, "employees": req.employees, "messages": req.messages}
        row, created = self.box.open(key, state="planned", scope=req.employer_cui, data=data)
        if not created:
            if row.state != "planned":
                raise PermanentError(f"{key} was already reported", code="reges_month_reported")
            row = self.box.update(key, expect={"planned"}, data=data) or row
        return {"key": key, "state": row.state, "messages": len(data["messages"])}

    def due(self, today: dt.date, run: str) -> list[OutboxRow]:
        """This month's rows of the companies due, and those this run already marked (its redelivery)."""
        month = today.strftime("%Y-%m")
        rows = [r for r in self.box.find(states={"planned", "submitted"}) if r.data.get("month") == month]
        heads = [
            CompanyHeadcount(
                cui=r.scope or "",
                employees=int(r.data.get("employees") or 0),
                last_reported=None if r.state == "planned" or r.data.get("run") == run else today,
            )
            for r in rows
        ]
        due = set(companies_due(heads, today))
        return [r for r in rows if r.scope in due]

    def mark(self, row: OutboxRow, run: str, today: dt.date) -> None:
        self.box.update(row.key, state="submitted", data={"run": run, "reported_on": today.isoformat()})
