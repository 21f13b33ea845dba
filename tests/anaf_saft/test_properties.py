"""Property: every random ledger balanced by construction passes our accounting checks and the D406 XSD."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given

from anaf_saft.checks import check
from anaf_saft.models import SaftRequest
from anaf_saft.sample import SAMPLE_COMPANY
from anaf_saft.sources import ExportFiles
from anaf_saft.writer import NS_PRODUCTION, write_segments
from tests.anaf_saft import books
from tests.support.properties import bounded, saft_ledgers


@bounded(15)
@given(saft_ledgers())
def test_random_balanced_ledgers_pass_the_checks_and_the_xsd(saft_schema, ledger):
    (year, month), data = ledger
    req = SaftRequest.model_validate(
        {
            "company": SAMPLE_COMPANY,
            "period": {"year": year, "start_month": month, "end_month": month},
            "period_type": "L",
            "source": {"kind": "export", "accounts": "a", "lines": "l"},
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = {kind: Path(tmp) / f"{kind}.jsonl" for kind in data}
        for kind, rows in data.items():
            books.write(paths[kind], rows)
        source = ExportFiles(paths)
        plan = check(req, source, max_lines_per_segment=10**6)
        assert [(f.rule, f.location, f.message) for f in plan.findings] == []
        out = Path(tmp) / "d406.xml"
        write_segments(req, source, plan, lambda i: out.open("wb"), software=("workers-core", "properties", "0.1.0"))
        assert saft_schema.validate_file(out, NS_PRODUCTION) == []
    assert plan.debit == plan.credit and plan.lines == len(data["lines"])
