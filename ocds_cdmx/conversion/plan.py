"""A loaded mapping compiled for conversion: typed, frozen dataclasses, with every label, value map and
template worked out once.

:func:`compile_plan` turns a :class:`~ocds_cdmx.conversion.mapping.Mapping` (plain YAML values, checked
against the mapping schema) into a :class:`Plan`: the main sheet and the other sheets as
:class:`SheetPlan` (columns with their labels, type, targets, document and reason; parties; items;
sub-tables; OCID and id templates; release dates), the agency and the package metadata. The reader and
the builder use the plan, never the YAML, so that nothing is looked up or normalized per cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .mapping import Mapping
from .values import is_blank, normalize_label, to_string

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class Template:
    """A text with ``{name}`` placeholders, split once into literal text and names."""

    text: str
    #: Literal text and placeholder names, alternating: literal, name, literal, …, literal.
    pieces: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Template:
        return cls(text, tuple(_PLACEHOLDER.split(text)))

    @property
    def names(self) -> tuple[str, ...]:
        """The placeholders' names, in order."""
        return self.pieces[1::2]

    def fill(self, values: MappingABC[str, Any]) -> str | None:
        """The text with every placeholder filled; None when one of them is blank."""
        pieces = self.pieces
        if len(pieces) == 1:
            return pieces[0]
        out = []
        for i, piece in enumerate(pieces):
            if i % 2:
                value = values.get(piece)
                if is_blank(value):
                    return None
                out.append(to_string(value))
            else:
                out.append(piece)
        return "".join(out)


_NOTHING = object()


@dataclass(frozen=True, slots=True)
class Target:
    """One OCDS field a column feeds: its path, and how the value gets there."""

    path: str
    parts: tuple[str, ...]
    #: Normalized catalog label → code, or None when the value goes as it is.
    table: MappingABC[str, Any] | None = None
    #: The catalog labels as the mapping writes them, for messages.
    expected: str = ""
    default: Any = None
    const: Any = _NOTHING
    split: str | None = None

    @property
    def has_const(self) -> bool:
        return self.const is not _NOTHING


@dataclass(frozen=True, slots=True)
class Document:
    """A hyperlink column's document: the section it goes in, its type and title."""

    section: str
    document_type: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet."""

    name: str
    label: str
    #: The label and its alternatives, normalized for comparison with header cells.
    keys: tuple[str, ...]
    type: str = "string"
    required: bool = False
    targets: tuple[Target, ...] = ()
    document: Document | None = None
    reason: str | None = None
    use: str | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """An organization built from a row's columns."""

    roles: tuple[str, ...] = ()
    #: Alternatives, in order: each is the columns whose values are joined into the name.
    name: tuple[tuple[str, ...], ...] = ()
    rfc: str | None = None
    #: Lists of organization references to add the party to (``awards/0/suppliers``).
    refs: tuple[str, ...] = ()

    def columns(self) -> list[str]:
        """The columns the party reads."""
        return [c for option in self.name for c in option] + ([self.rfc] if self.rfc else [])


@dataclass(frozen=True, slots=True)
class ItemField:
    """One field of an item: a constant, a template over the row's values, or a column's value."""

    parts: tuple[str, ...]
    const: Any = _NOTHING
    template: Template | None = None
    column: str | None = None

    def value(self, values: MappingABC[str, Any]) -> Any:
        if self.const is not _NOTHING:
            return self.const
        if self.template is not None:
            return self.template.fill(values)
        return values.get(self.column)


@dataclass(frozen=True, slots=True)
class Item:
    """A row as one element of an array (``into``), merged into an element with the same id."""

    into: str
    #: ``into`` split: the section that holds the array, and the array's key.
    section: str
    key: str
    id: Template
    fields: tuple[ItemField, ...] = ()
    party_in: tuple[str, ...] | None = None
    party_ref: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """Where a sheet is: its names, how many first rows to search for its header, its ID label."""

    names: tuple[str, ...] = ()
    header_rows: int = 12
    id_label: str = "ID"


@dataclass(frozen=True, slots=True)
class Subtable:
    """A ``Tabla_<id>`` sheet whose rows belong to the main row that names their ID."""

    name: str
    #: The main-sheet column whose value is the ID of the sub-table rows.
    key: str
    sheet: SheetSpec
    columns: MappingABC[str, Column]
    party: Party | None = None
    item: Item | None = None


@dataclass(frozen=True, slots=True)
class SheetPlan:
    """A sheet whose rows become (parts of) contracting processes: the main sheet or another one."""

    #: -1 for the main sheet; else the position in :attr:`Plan.sheets`.
    index: int
    name: str
    sheet: SheetSpec
    columns: MappingABC[str, Column]
    ocid: Template
    #: The columns the OCID template needs, with their types.
    ocid_columns: tuple[tuple[str, str], ...]
    award_id: Template
    contract_id: Template
    parties: tuple[Party, ...] = ()
    item: Item | None = None
    subtables: tuple[Subtable, ...] = ()
    #: Stage → the date columns to take its release date from, the first with a value.
    release_date: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def is_main(self) -> bool:
        return self.index < 0


@dataclass(frozen=True)
class Plan:
    """A mapping ready for conversion."""

    source: str
    mode: str = "columns"
    title: str = ""
    format: str | None = None
    #: The agency's name, key and buyer (plain values: they go into the output as they are).
    agency: MappingABC[str, Any] = field(default_factory=dict)
    publisher: MappingABC[str, Any] | None = None
    license: str | None = None
    publication_policy: str | None = None
    extensions: tuple[str, ...] = ()
    ocid_prefix: str = ""
    main: SheetPlan | None = None
    sheets: tuple[SheetPlan, ...] = ()

    @property
    def agency_key(self) -> str:
        return self.agency.get("key", "")


def compile_plan(mapping: Mapping) -> Plan:
    """The plan of a loaded (and checked) mapping."""
    data = mapping.data
    common = {
        "source": mapping.source,
        "mode": data.get("mode", "columns"),
        "title": data.get("title", ""),
        "format": data.get("format"),
        "agency": MappingProxyType(dict(data.get("agency", {}))),
        "publisher": data.get("publisher"),
        "license": data.get("license"),
        "publication_policy": data.get("publicationPolicy"),
        "extensions": tuple(data.get("extensions", [])),
    }
    if common["mode"] == "ocds-paths":
        return Plan(**common)
    ids = data.get("ids", {})
    main = _sheet_plan(-1, "", data, data["ocid"]["template"], ids)
    sheets = tuple(
        _sheet_plan(i, spec["name"], spec, spec.get("ocid", data["ocid"]["template"]), {**ids, **spec.get("ids", {})})
        for i, spec in enumerate(data.get("sheets", []))
    )
    return Plan(**common, ocid_prefix=data["ocid"]["prefix"], main=main, sheets=sheets)


def _sheet_plan(index: int, name: str, spec: dict, ocid: str, ids: dict) -> SheetPlan:
    columns = _columns(spec["columns"])
    template = Template.of(ocid)
    return SheetPlan(
        index=index,
        name=name,
        sheet=_sheet_spec(spec.get("sheet", {}), 12),
        columns=columns,
        ocid=template,
        ocid_columns=tuple((n, columns[n].type) for n in template.names if n != "agency" and n in columns),
        award_id=Template.of(ids.get("award", "{ocid}-award")),
        contract_id=Template.of(ids.get("contract", "{ocid}-contract")),
        parties=tuple(_party(p) for p in spec.get("parties", [])),
        item=_item(spec["item"]) if spec.get("item") else None,
        subtables=tuple(_subtable(s) for s in spec.get("subtables", [])),
        release_date=tuple((stage, tuple(names)) for stage, names in spec.get("release_date", {}).items()),
    )


def _sheet_spec(spec: dict, header_rows: int) -> SheetSpec:
    return SheetSpec(
        names=tuple(spec.get("names", [])),
        header_rows=spec.get("header_rows", header_rows),
        id_label=spec.get("id_label", "ID"),
    )


def _columns(specs: dict) -> MappingABC[str, Column]:
    return MappingProxyType({name: column(name, spec) for name, spec in specs.items()})


def column(name: str, spec: dict) -> Column:
    """One column of a mapping, compiled."""
    document = spec.get("document")
    return Column(
        name=name,
        label=spec["label"],
        keys=(normalize_label(spec["label"]), *(normalize_label(x) for x in spec.get("labels", []))),
        type=spec.get("type", "string"),
        required=bool(spec.get("required")),
        targets=tuple(_target(t) for t in _targets(spec)),
        document=Document(document["in"], document["documentType"], document.get("title")) if document else None,
        reason=spec.get("reason"),
        use=spec.get("use"),
    )


def _targets(spec: dict) -> list[dict]:
    if "fields" in spec:
        return [f if isinstance(f, dict) else {"path": f} for f in spec["fields"]]
    if "field" in spec:
        return [{"path": spec["field"], **{k: spec[k] for k in ("map", "default", "split") if k in spec}}]
    return []


def _target(spec: dict) -> Target:
    table = None
    if "map" in spec:
        table = MappingProxyType({normalize_label(k): v for k, v in spec["map"].items()})
    return Target(
        path=spec["path"],
        parts=tuple(spec["path"].split("/")),
        table=table,
        expected=", ".join(spec.get("map", {})),
        default=spec.get("default"),
        const=spec.get("const", _NOTHING),
        split=spec.get("split"),
    )


def _party(spec: dict) -> Party:
    return Party(
        roles=tuple(spec.get("roles", [])),
        name=tuple(tuple(o) if isinstance(o, list) else (o,) for o in spec.get("name", [])),
        rfc=spec.get("rfc"),
        refs=tuple(spec.get("refs", [])),
    )


def _item(spec: dict) -> Item:
    section, _, key = spec["into"].rpartition("/")
    fields = []
    for path, source in spec.get("fields", {}).items():
        parts = tuple(path.split("/"))
        if isinstance(source, dict):
            fields.append(ItemField(parts, const=source["const"]))
        elif "{" in source:  # a template over the row's values
            fields.append(ItemField(parts, template=Template.of(source)))
        else:
            fields.append(ItemField(parts, column=source))
    return Item(
        into=spec["into"],
        section=section,
        key=key,
        id=Template.of(spec.get("id", "{n}")),
        fields=tuple(fields),
        party_in=tuple(spec["party_in"].split("/")) if spec.get("party_in") else None,
        party_ref=tuple(spec["party_ref"].split("/")) if spec.get("party_ref") else None,
    )


def _subtable(spec: dict) -> Subtable:
    return Subtable(
        name=spec["name"],
        key=spec["key"],
        sheet=_sheet_spec(spec["sheet"], 6),
        columns=_columns(spec["columns"]),
        party=_party(spec["party"]) if spec.get("party") else None,
        item=_item(spec["item"]) if spec.get("item") else None,
    )
