"""What every command returns: findings, input errors and the exit code they make.

Exit codes are the same for every command: :data:`EXIT_OK` (0) fine, :data:`EXIT_DATA` (1) the data
has problems, :data:`EXIT_IO` (2) usage, input or output errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import CdmxError
from .findings import ERROR, WARNING, Findings

EXIT_OK = 0
EXIT_DATA = 1
EXIT_IO = 2


@dataclass(kw_only=True)
class Result:
    """The base of every command's result. ``strict`` makes warnings count like errors."""

    findings: Findings = field(default_factory=Findings)
    input_errors: list[CdmxError] = field(default_factory=list)
    strict: bool = False

    @property
    def errors(self) -> int:
        """How many errors were found (in the data, not in reading it)."""
        return self.findings.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.findings.count(WARNING)

    def has_problems(self) -> bool:
        """Whether the data has problems that make the exit code 1."""
        return bool(self.errors or (self.strict and self.warnings))

    @property
    def exit_code(self) -> int:
        if self.input_errors:
            return EXIT_IO
        return EXIT_DATA if self.has_problems() else EXIT_OK
