"""Tasks of the ``anaf.saft`` worker (thin: validate payload -> call the service -> return JSON).

``saft.generate`` publishes ``saft.generated`` with the stored file(s) and the verdicts.
``anaf.saft.ping`` is registered by shared.celery_app.create_app for every worker.
"""

from __future__ import annotations

from typing import Any

from anaf_saft.app import app
from anaf_saft.models import SaftRequest
from anaf_saft.runtime import generator
from shared.events import publish_event


@app.task(name="saft.generate", bind=True)  # type: ignore[untyped-decorator]
def generate(self: Any, **kwargs: Any) -> dict[str, Any]:
    req = SaftRequest.model_validate(kwargs)
    result = generator().generate(req)
    data = result.model_dump(mode="json", exclude={"findings"})
    data |= {"company": req.company.registration_number, "period": req.period.model_dump(), "test": req.test,
             "findings": len(result.findings)}
    publish_event("saft.generated", data)
    return result.model_dump(mode="json")
