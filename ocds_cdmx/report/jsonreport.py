"""Results as JSON documents: ``--format json`` and ``--report json`` (their shapes are in the README)."""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

from ..core.findings import Findings
from .messages import finding_text, input_error_text

if TYPE_CHECKING:
    from ..conversion import ConvertResult
    from ..merging import MergeResult
    from ..publishing import PublishResult
    from ..validation import ValidationResult


def result_as_dict(result: ValidationResult, lang: str) -> dict[str, Any]:
    """The JSON document of ``cdmx validate --format json`` (its shape is documented in the README)."""
    findings = _findings_list(result.findings, lang)
    return {
        "valid": result.valid,
        "exit_code": result.exit_code,
        "errors": result.errors,
        "warnings": result.warnings,
        "sources": [s.as_dict() for s in result.sources],
        "input_errors": [_input_error_dict(e, lang) for e in result.input_errors],
        "findings": findings,
        "statistics": result.statistics.as_dict(),
    }


def _input_error_dict(error: Exception, lang: str) -> dict[str, Any]:
    return {
        "key": getattr(error, "key", type(error).__name__),
        "source": getattr(error, "source", None),
        "params": {k: v for k, v in getattr(error, "params", {}).items() if _jsonable(v)},
        "message": input_error_text(error, lang),
    }


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None))


def write_json(result: ValidationResult, lang: str, out: IO[str]) -> None:
    """Write the JSON report."""
    _dump(result_as_dict(result, lang), out)


def _findings_list(findings: Findings, lang: str) -> list[dict[str, Any]]:
    out = []
    for group in findings.sorted_groups():
        first_value = group.locations[0].value if group.locations else None
        title, advice = finding_text(group.check, group.params, group.field, lang, first_value)
        out.append({**group.as_dict(), "title": title, "advice": advice})
    return out


def merge_result_as_dict(result: MergeResult, lang: str) -> dict[str, Any]:
    """The JSON report of ``cdmx merge --report json`` (its shape is documented in the README)."""
    return {
        "exit_code": result.exit_code,
        "errors": result.errors,
        "warnings": result.warnings,
        **result.as_dict(),
        "extensions": [{"url": e.url, "applied": e.applied, "problem": e.problem} for e in result.extensions],
        "input_errors": [_input_error_dict(e, lang) for e in result.input_errors],
        "findings": _findings_list(result.findings, lang),
    }


def _dump(report: dict[str, Any], out: IO[str]) -> None:
    json.dump(report, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


def write_merge_json(result: MergeResult, lang: str, out: IO[str]) -> None:
    """Write the JSON report of a merge."""
    _dump(merge_result_as_dict(result, lang), out)


def convert_result_as_dict(result: ConvertResult, lang: str) -> dict[str, Any]:
    """The JSON report of ``cdmx convert --report json`` (its shape is documented in the README)."""
    validation = result.validation
    return {
        "exit_code": result.exit_code,
        "errors": result.errors,
        "warnings": result.warnings,
        "releases": result.releases,
        "ocids": result.ocids,
        "mapping": result.mapping,
        "picked": result.picked,
        "layout": result.layout.as_dict() if result.layout is not None else None,
        "sheets": [s.as_dict() for s in result.sheets],
        "rejects": [r.as_dict() for r in result.rejects],
        "output": result.output,
        "written": result.written,
        "input_errors": [_input_error_dict(e, lang) for e in result.input_errors],
        "findings": _findings_list(result.findings, lang),
        "validation": result_as_dict(validation, lang) if validation is not None else None,
    }


def write_convert_json(result: ConvertResult, lang: str, out: IO[str]) -> None:
    """Write the JSON report of a conversion."""
    _dump(convert_result_as_dict(result, lang), out)


def publish_result_as_dict(result: PublishResult, lang: str) -> dict[str, Any]:
    """The JSON report of ``cdmx publish --report json`` (its shape is documented in the README)."""
    agencies = []
    for agency in result.agencies:
        agencies.append({
            **agency.as_dict(),
            "input_errors": [_input_error_dict(e, lang) for e in agency.input_errors],
            "findings": _findings_list(agency.findings, lang),
            "conversions": [convert_result_as_dict(c, lang) for c in agency.conversions],
            "validation": result_as_dict(agency.validation, lang) if agency.validation is not None else None,
        })  # fmt: skip
    return {
        "exit_code": result.exit_code,
        "errors": result.errors,
        "warnings": result.warnings,
        **result.as_dict(),
        "agencies": agencies,
        "input_errors": [_input_error_dict(e, lang) for e in result.input_errors],
    }


def write_publish_json(result: PublishResult, lang: str, out: IO[str]) -> None:
    """Write the JSON report of a night."""
    _dump(publish_result_as_dict(result, lang), out)
