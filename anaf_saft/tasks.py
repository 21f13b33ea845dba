"""Tasks of the ``anaf.saft`` worker: handlers over ``SaftGenerator`` (no Celery here; ``app`` declares them).

``saft.generate`` returns the stored file(s) with the verdicts and publishes ``saft.generated``.
"""

from __future__ import annotations

from anaf_saft.models import SaftRequest, SaftResult
from anaf_saft.service import SaftGenerator
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "generate"]


def generate(generator: SaftGenerator, req: SaftRequest, ctx: TaskContext) -> Outcome:
    """Generate the D406 (SAF-T) of a company and period from an export or the accounting database."""
    result = generator.generate(req)
    data = result.model_dump(mode="json", exclude={"findings"})
    data |= {
        "company": req.company.registration_number,
        "period": req.period.model_dump(),
        "test": req.test,
        "findings": len(result.findings),
    }
    return Outcome(result, events=[Emit("saft.generated", data)])


TASKS: tuple[TaskSpec[SaftGenerator, SaftRequest], ...] = (
    TaskSpec("saft.generate", SaftRequest, generate, SaftResult),
)
