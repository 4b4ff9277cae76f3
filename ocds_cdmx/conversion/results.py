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
    unmapped_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(kw_only=True)
class ConvertResult(Result):
    """What :func:`convert` did. ``exit_code``: 0 fine, 1 data problems, 2 unreadable input."""

    sheets: list[SheetCount] = field(default_factory=list)
    rejects: list[tuple[str, str, int, str]] = field(default_factory=list)
    releases: int = 0
    ocids: int = 0
    validation: Any = None
    output: str | None = None
    written: bool = False

    @property
    def errors(self) -> int:
        return super().errors + (self.validation.errors if self.validation is not None else 0)

    def has_problems(self) -> bool:
        return bool(self.errors or self.rejects)
