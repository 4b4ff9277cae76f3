"""What a conversion did: every sheet's rows accounted for, the rejects, the validation of the output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.results import Result


@dataclass
class SheetCount:
    """Row accounting for one sheet."""

    sheet: str
    header_row: int | None = None
    read: int = 0
    converted: int = 0
    rejected: int = 0
    blank: int = 0
    #: Rows that only say there was nothing to report (the period, the area, a note).
    nothing_to_report: int = 0
    unmapped_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Reject:
    """A row that was not converted, or a value that could not be read: where, and why."""

    source: str
    sheet: str
    row: int
    reason: str
    #: Column letter, label and value, for a value; blank for a whole row.
    column: str = ""
    label: str = ""
    value: Any = None

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}" if self.column else ""

    @property
    def is_row(self) -> bool:
        """A whole row left out (not one value, and not a sub-table row that nothing points at: that
        is a warning)."""
        return not self.column and self.reason != "orphan_subrow"

    def as_dict(self) -> dict:
        return {
            "file": self.source,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column or None,
            "cell": self.cell or None,
            "label": self.label or None,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LayoutFound:
    """The transparency-platform layout a workbook has, as its labels (and row 1's format id) say."""

    #: The bundled mapping for it.
    mapping: str
    format: str
    name: str
    #: How much of the header the mapping knows and of the mapping the header has (0–1).
    score: float
    header_row: int | None = None
    #: The format id on row 1 (upload templates), if any.
    format_id: str | None = None
    #: ``template`` (the upload template), ``download`` (the public download), ``export`` (header on row 1).
    form: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(kw_only=True)
class ConvertResult(Result):
    """What :func:`convert` did. ``exit_code``: 0 fine, 1 data problems, 2 unreadable input."""

    sheets: list[SheetCount] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    releases: int = 0
    ocids: int = 0
    #: Processes not built because their rows were those of a known fingerprint (see ``Incremental``).
    skipped: int = 0
    validation: Any = None
    #: The package's statistics, per process (``validation.statistics`` when it was validated).
    statistics: Any = None
    output: str | None = None
    written: bool = False
    #: The mapping used (a bundled name or a file) and the layout found in the workbook.
    mapping: str | None = None
    layout: LayoutFound | None = None
    #: Whether the mapping was picked by the workbook's labels (none was given).
    picked: bool = False

    @property
    def errors(self) -> int:
        return super().errors + (self.validation.errors if self.validation is not None else 0)

    @property
    def warnings(self) -> int:
        return super().warnings + (self.validation.warnings if self.validation is not None else 0)

    def has_problems(self) -> bool:
        return bool(self.errors or any(r.is_row for r in self.rejects))
