"""``cdmx validate``: every problem in OCDS packages — the schema pass, the OCDS rules, the quality
checks and the statistics, orchestrated by :mod:`.engine`."""

from .engine import SourceSummary, ValidationResult, validate

__all__ = ["SourceSummary", "ValidationResult", "validate"]
