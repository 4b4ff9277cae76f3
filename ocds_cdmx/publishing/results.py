"""What a night did: per agency, its conversions, counts and problems; the publication that was built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CdmxError
from ..core.findings import Findings
from ..core.results import EXIT_DATA, EXIT_IO, EXIT_OK, Result

#: What a night did for an agency.
PUBLISHED = "published"
UNCHANGED = "unchanged"
FAILED = "failed"
BUSY = "busy"


@dataclass
class AgencyResult:
    """One agency's night. ``status``: published (new releases), unchanged, failed (nothing published:
    unreadable files or invalid releases; the last good data stays online) or busy (another run holds
    the agency)."""

    key: str
    name: str
    night: str | None = None
    status: str = UNCHANGED
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    vanished: int = 0
    releases: int = 0
    resumed: bool = False
    #: The night had been stored by an interrupted run: it was not converted again.
    already_stored: bool = False
    files: list[list[str]] = field(default_factory=list)
    conversions: list[Any] = field(default_factory=list)  # ConvertResult of each conversion
    findings: Findings = field(default_factory=Findings)
    validation: Any = None
    input_errors: list[CdmxError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # message keys of why the agency failed

    @property
    def errors(self) -> int:
        return (
            self.findings.count("error")
            + sum(c.errors for c in self.conversions)
            + (self.validation.errors if self.validation is not None else 0)
        )

    @property
    def warnings(self) -> int:
        return (
            self.findings.count("warning")
            + sum(c.warnings for c in self.conversions)
            + (self.validation.warnings if self.validation is not None else 0)
        )

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "vanished": self.vanished,
            "releases": self.releases,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "night": self.night,
            "status": self.status,
            **self.counts(),
            "resumed": self.resumed,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": self.problems,
            "files": self.files,
        }


@dataclass(kw_only=True)
class PublishResult(Result):
    """What :func:`ocds_cdmx.publish` did. ``exit_code``: 0 fine, 1 an agency failed or its data has
    errors (the others published), 2 the configuration, the store or the output could not be used (the
    previous publication is intact)."""

    agencies: list[AgencyResult] = field(default_factory=list)
    dry_run: bool = False
    rebuild: bool = False
    built: bool = False
    output: str | None = None
    build: str | None = None
    files_written: int = 0
    files_kept: int = 0

    @property
    def errors(self) -> int:
        return super().errors + sum(a.errors for a in self.agencies)

    @property
    def warnings(self) -> int:
        return super().warnings + sum(a.warnings for a in self.agencies)

    @property
    def exit_code(self) -> int:
        if self.input_errors or any(a.status == BUSY for a in self.agencies):
            return EXIT_IO
        if any(a.status == FAILED or a.errors for a in self.agencies) or self.has_problems():
            return EXIT_DATA
        return EXIT_OK

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rebuild": self.rebuild,
            "built": self.built,
            "output": self.output,
            "build": self.build,
            "files_written": self.files_written,
            "files_kept": self.files_kept,
            "agencies": [a.as_dict() for a in self.agencies],
        }


__all__ = ["BUSY", "EXIT_OK", "FAILED", "PUBLISHED", "UNCHANGED", "AgencyResult", "PublishResult"]
