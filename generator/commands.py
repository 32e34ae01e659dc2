"""Library functions behind the CLI commands that run several stages (beside ``build``).

They return data; ``generator.cli`` prints it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator.checks.audit import Findings, audit_findings, budget_line
from generator.checks.audit_report import ReportContext, write_report
from generator.core.errors import Problem
from generator.ingest.validate import validate_data


@dataclass
class AuditRun:
    """The outcome of ``yikatong audit``."""

    out: Path
    findings: Findings | None
    problems: list[Problem] = field(default_factory=list)
    records: int = 0
    load_seconds: float = 0.0

    @property
    def blocking(self) -> bool:
        return self.findings is None or self.findings.total_cases > 0 or bool(self.problems)

    def budget_line(self) -> str:
        return budget_line(self.findings.budget) if self.findings is not None else ""


def run_audit(data_dir: Path, out: Path, as_of: dt.date | None = None) -> AuditRun:
    """Validate, cross-check and write the Excel report to `out`.

    Without a usable county model (county.yml, programs/) nothing can be checked: the run
    comes back with ``findings=None`` and the problems that explain why.
    """
    as_of = as_of or dt.date.today()
    started = time.perf_counter()
    result = validate_data(Path(data_dir), as_of=as_of)
    if result.county is None:
        return AuditRun(Path(out), None, list(result.problems))
    loaded = time.perf_counter() - started
    findings = audit_findings(result.records, result.county, as_of, batches=result.batches)
    context = ReportContext(str(data_dir), len(result.records), len(result.batches),
                            len(result.problems), result.county.name)
    write_report(findings, Path(out), context)
    return AuditRun(Path(out), findings, list(result.problems), len(result.records), loaded)
