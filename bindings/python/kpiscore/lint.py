"""Lint findings: what a plan, rubric, tier table or schedule leaves ambiguous."""

from dataclasses import dataclass

from . import capi as _capi

__all__ = ["Finding", "findings"]


@dataclass(frozen=True)
class Finding:
    severity: str   # "note", "warning" or "error"
    code: str       # stable identifier, e.g. "bracket-jump"
    message: str
    path: str
    line: int
    column: int

    def __str__(self):
        where = f"{self.line}:{self.column}: " if self.line else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{self.severity}: {path}{self.message} [{self.code}]"


def findings(lint_ptr):
    """The findings of a C kpi_lint as a list of Finding."""
    return [
        Finding(_capi.kpi_severity_name(_capi.kpi_lint_severity(lint_ptr, i)),
                _capi.kpi_lint_code(lint_ptr, i), _capi.kpi_lint_message(lint_ptr, i),
                _capi.kpi_lint_path(lint_ptr, i), _capi.kpi_lint_line(lint_ptr, i),
                _capi.kpi_lint_column(lint_ptr, i))
        for i in range(_capi.kpi_lint_count(lint_ptr))
    ]
