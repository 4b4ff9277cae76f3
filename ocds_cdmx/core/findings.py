"""Findings: what a check found, as plain data. Only :mod:`ocds_cdmx.report` turns them into words.

Findings with the same check, generic path (array indexes removed) and parameters form a group; a
group keeps its count and its first locations, so a report on millions of releases stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"

#: Every check, its severity and the family it belongs to. Message texts live in :mod:`ocds_cdmx.report.messages`.
CHECKS: dict[str, tuple[str, str]] = {
    # JSON Schema
    "schema": (ERROR, "schema"),
    # OCDS rules
    "unique_release_id": (ERROR, "ocds"),
    "unique_record_ocid": (ERROR, "ocds"),
    "unique_item_id": (ERROR, "schema"),
    "records_mixed_releases": (ERROR, "schema"),
    "closed_codelist": (ERROR, "codelists"),
    "open_codelist": (WARNING, "codelists"),
    "additional_field": (WARNING, "structure"),
    "deprecated_field": (WARNING, "structure"),
    "missing_id": (WARNING, "structure"),
    "empty_field": (WARNING, "structure"),
    "ocid_prefix_format": (WARNING, "ocds"),
    "ocid_prefix_registered": (ERROR, "ocds"),
    "not_packaged": (WARNING, "ocds"),
    "version_unsupported": (ERROR, "ocds"),
    "version_mixed": (WARNING, "ocds"),
    "extension_unavailable": (WARNING, "extensions"),
    "not_an_object": (ERROR, "schema"),
    "empty_array": (ERROR, "schema"),
    # References between sections
    "party_missing": (ERROR, "references"),
    "party_role_missing": (WARNING, "references"),
    "award_missing": (ERROR, "references"),
    "buyer_missing": (WARNING, "references"),
    # Coherence
    "period_reversed": (ERROR, "coherence"),
    "signed_before_award": (WARNING, "coherence"),
    "negative_amount": (ERROR, "coherence"),
    "mixed_currencies": (WARNING, "coherence"),
    # Pelican's checks of one compiled release (validation/coherence.py)
    "date_in_future": (WARNING, "coherence"),
    "date_too_early": (WARNING, "coherence"),
    "timeline": (WARNING, "coherence"),
    "payments_exceed_contract": (WARNING, "coherence"),
    "contract_award_ratio": (WARNING, "coherence"),
    "tenderers_count": (WARNING, "coherence"),
    "party_name_differs": (WARNING, "references"),
    "party_role_unreferenced": (WARNING, "references"),
    "document_type_section": (WARNING, "codelists"),
    # Mexican data
    # A warning: real RFCs of 11 or 14 characters, in lower case, are published as given and flagged.
    "rfc_format": (WARNING, "mexico"),
    "rfc_generic": (WARNING, "mexico"),
    "placeholder_text": (WARNING, "mexico"),
    "placeholder_date": (WARNING, "mexico"),
    "mojibake": (WARNING, "mexico"),
    "postal_code_format": (WARNING, "mexico"),
    "identifier_no_scheme": (WARNING, "quality"),
    "name_truncated": (WARNING, "quality"),
    "tag_inconsistent": (WARNING, "quality"),
    # Merging releases into records
    "merge_not_object": (ERROR, "merge"),
    "merge_missing_ocid": (ERROR, "merge"),
    "release_date_missing": (ERROR, "merge"),
    "release_date_invalid": (ERROR, "merge"),
    "release_id_conflict": (ERROR, "merge"),
    "merge_conflict": (ERROR, "merge"),
    "merge_value_ignored": (ERROR, "merge"),
    "duplicate_release": (WARNING, "merge"),
    "duplicate_item_id": (WARNING, "merge"),
    "release_out_of_order": (WARNING, "merge"),
    "upgrade_party_differs": (WARNING, "merge"),
    # Converting spreadsheets
    "value_unreadable": (ERROR, "convert"),
    "value_not_in_map": (ERROR, "convert"),
    "row_without_ocid": (ERROR, "convert"),
    "subrow_without_id": (ERROR, "convert"),
    "orphan_subrow": (WARNING, "convert"),
    "subtable_missing": (WARNING, "convert"),
    "formula_without_value": (ERROR, "convert"),
    "row_placeholder_ocid": (ERROR, "convert"),
    "layout_mismatch": (WARNING, "convert"),
    "essential_column_missing": (WARNING, "convert"),
    "essential_missing": (WARNING, "convert"),
    "many_unmapped_columns": (WARNING, "convert"),
    "subtable_unread": (WARNING, "convert"),
    "subtable_rows_missing": (WARNING, "convert"),
    "nothing_to_report": (INFO, "convert"),
    "open_ended_contract": (INFO, "convert"),
    "placeholder_value": (INFO, "convert"),
    "sheet_ignored": (WARNING, "convert"),
    # Publishing
    "publish_ocid_of_other_agency": (ERROR, "publish"),
    "publish_process_vanished": (WARNING, "publish"),
    "publish_ocid_in_several_files": (WARNING, "publish"),
    "publish_value_not_removable": (WARNING, "publish"),
}

SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def severity(check: str) -> str:
    """The severity of ``check``."""
    return CHECKS[check][0]


def join_path(path: tuple | list) -> str:
    """``('releases', 0, 'id')`` → ``'releases/0/id'``."""
    return "/".join(str(p) for p in path)


class Key(str):
    """A path step that names one object (an OCID, a release id): like an array index, it is left
    out of the generic path, so that findings about different objects form one group."""

    __slots__ = ()


def generic_path(path: tuple | list) -> str:
    """``('releases', 0, 'id')`` → ``'releases/id'``: the path without array indexes and :class:`Key` steps."""
    return "/".join(str(p) for p in path if not isinstance(p, int | Key))


@dataclass
class Location:
    """Where one finding was seen: a file and a path in it; for data read from a spreadsheet, also the
    cell (``where``: ``file``, ``sheet``, ``row``, ``column`` letter, ``cell``, ``label``)."""

    source: str
    path: str
    value: Any = None
    where: dict | None = None

    def as_dict(self) -> dict:
        out = {"source": self.source, "path": self.path, "value": self.value}
        if self.where:
            out.update(self.where)
        return out


@dataclass
class Group:
    """All the findings of one check at one generic path with the same parameters."""

    check: str
    field: str
    params: dict
    count: int = 0
    locations: list[Location] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return severity(self.check)

    @property
    def family(self) -> str:
        return CHECKS[self.check][1]

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "severity": self.severity,
            "family": self.family,
            "field": self.field,
            "params": self.params,
            "count": self.count,
            "locations": [loc.as_dict() for loc in self.locations],
        }


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


class Findings:
    """Collects findings into groups, keeping at most ``max_locations`` locations a group (0: all)."""

    def __init__(self, max_locations: int = 100) -> None:
        self.max_locations = max_locations
        self.groups: dict[tuple, Group] = {}
        self.source = ""

    def add(self, check: str, path: tuple | list, value: Any = None, **params: Any) -> None:
        """Record one finding of ``check`` at ``path`` (a tuple of keys and indexes)."""
        self.add_at(check, path, None, value, **params)

    def add_at(self, check: str, path: tuple | list, where: dict | None, value: Any = None, **params: Any) -> None:
        """Record one finding of ``check`` at ``path``, seen in the spreadsheet cell ``where`` describes."""
        gpath = generic_path(path)
        key = (check, gpath, _freeze(params))
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(check, gpath, params)
        group.count += 1
        if not self.max_locations or len(group.locations) < self.max_locations:
            if isinstance(value, dict | list):
                value = None
            group.locations.append(Location(self.source, join_path(path), value, where))

    def merge(self, other: Findings) -> None:
        """Add ``other``'s findings after this one's, as if they had been added here in that order."""
        for key, theirs in other.groups.items():
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = Group(theirs.check, theirs.field, theirs.params)
            group.count += theirs.count
            room = self.max_locations - len(group.locations) if self.max_locations else len(theirs.locations)
            if room > 0:
                group.locations.extend(theirs.locations[:room])

    def sorted_groups(self) -> list[Group]:
        """Groups ordered by severity, family, check and field."""
        return sorted(
            self.groups.values(),
            key=lambda g: (SEVERITY_ORDER[g.severity], g.family, g.check, g.field, repr(g.params)),
        )

    def count(self, level: str) -> int:
        """How many findings of severity ``level`` there are."""
        return sum(g.count for g in self.groups.values() if g.severity == level)
