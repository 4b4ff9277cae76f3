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
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .mapping import Mapping, agency_buyer
from .values import is_blank, label_key, normalize_label, to_string

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_GROUP = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True, slots=True)
class Template:
    """A text with ``{name}`` placeholders and optional ``[…]`` parts, split once.

    A blank placeholder makes the whole text blank (None), unless it is inside an optional part, which
    is then left out: ``"{tipo}[ ({caracter})]"`` gives ``"Adjudicación directa (Nacional)"``, or
    ``"Adjudicación directa"`` when the carácter is blank.
    """

    text: str
    #: Literal text and placeholder names, alternating (literal, name, …, literal), for each part;
    #: the parts of the text in order, each with whether it is optional.
    parts: tuple[tuple[bool, tuple[str, ...]], ...]

    @classmethod
    def of(cls, text: str) -> Template:
        parts: list[tuple[bool, tuple[str, ...]]] = []
        position = 0
        for match in _GROUP.finditer(text):
            if match.start() > position:
                parts.append((False, tuple(_PLACEHOLDER.split(text[position : match.start()]))))
            parts.append((True, tuple(_PLACEHOLDER.split(match.group(1)))))
            position = match.end()
        if position < len(text) or not parts:
            parts.append((False, tuple(_PLACEHOLDER.split(text[position:]))))
        return cls(text, tuple(parts))

    @property
    def names(self) -> tuple[str, ...]:
        """The placeholders' names, in order."""
        return tuple(name for _, pieces in self.parts for name in pieces[1::2])

    @property
    def required(self) -> tuple[str, ...]:
        """The placeholders outside optional parts."""
        return tuple(name for optional, pieces in self.parts if not optional for name in pieces[1::2])

    def fill(self, values: MappingABC[str, Any]) -> str | None:
        """The text with every placeholder filled; None when a required one is blank."""
        parts = self.parts
        if len(parts) == 1 and len(parts[0][1]) == 1:
            return parts[0][1][0]
        out = []
        for optional, pieces in parts:
            filled = []
            for i, piece in enumerate(pieces):
                if i % 2:
                    value = values.get(piece)
                    if is_blank(value):
                        if not optional:
                            return None
                        filled = None
                        break
                    filled.append(to_string(value))
                else:
                    filled.append(piece)
            if filled is not None:
                out.extend(filled)
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
    """A hyperlink column's document: the section it goes in, its type and title (a template over the
    row's values)."""

    section: str
    document_type: str
    title: Template | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet."""

    name: str
    label: str
    #: The label and its alternatives, as :func:`~ocds_cdmx.conversion.values.label_key` gives them.
    keys: tuple[str, ...]
    type: str = "string"
    required: bool = False
    targets: tuple[Target, ...] = ()
    document: Document | None = None
    reason: str | None = None
    use: str | None = None
    #: Values that mean "nothing" in this column (casefolded), besides the mapping's.
    placeholders: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Address:
    """A Mexican fiscal address in columns (2021+ layouts), made into an OCDS ``Address``: the street
    (type and name of the road, outside number), the interior number, the settlement (type and name),
    the locality and the municipality, the state, the postal code; or a foreign address."""

    street: tuple[str, ...] = ()
    interior: str | None = None
    settlement: tuple[str, ...] = ()
    locality: str | None = None
    municipality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    foreign_street: tuple[str, ...] = ()
    foreign_city: str | None = None

    def columns(self) -> list[str]:
        single = (self.interior, self.locality, self.municipality, self.region, self.postal_code, self.country,
                  self.foreign_city)  # fmt: skip
        return [*self.street, *self.settlement, *self.foreign_street, *(c for c in single if c)]


@dataclass(frozen=True, slots=True)
class Party:
    """An organization built from a row's columns."""

    roles: tuple[str, ...] = ()
    #: Alternatives, in order: each is the columns whose values are joined into the name.
    name: tuple[tuple[str, ...], ...] = ()
    rfc: str | None = None
    #: Lists of organization references to add the party to (``awards/0/suppliers``).
    refs: tuple[str, ...] = ()
    #: Single organization references to set to the party (``buyer``).
    ref: tuple[str, ...] = ()
    address: Address | None = None

    def columns(self) -> list[str]:
        """The columns the party reads."""
        own = [c for option in self.name for c in option] + ([self.rfc] if self.rfc else [])
        return own + (self.address.columns() if self.address else [])


@dataclass(frozen=True, slots=True)
class ItemField:
    """One field of an item: a constant, a template over the row's values, the non-blank values of some
    columns joined with spaces, or a column's value."""

    parts: tuple[str, ...]
    const: Any = _NOTHING
    template: Template | None = None
    join: tuple[str, ...] = ()
    column: str | None = None

    def value(self, values: MappingABC[str, Any]) -> Any:
        if self.const is not _NOTHING:
            return self.const
        if self.template is not None:
            return self.template.fill(values)
        if self.join:
            return " ".join(to_string(values[c]) for c in self.join if not is_blank(values.get(c))) or None
        return values.get(self.column)


#: The section of an item that is the party the main row's first ``parties`` entry built.
PARTY_SECTION = "party"


@dataclass(frozen=True, slots=True)
class Item:
    """A row as one element of an array (``into``), merged into an element with the same id."""

    into: str
    #: ``into`` split: the section that holds the array (``party`` for the row's party), and the array's key.
    section: str
    key: str
    id: Template
    fields: tuple[ItemField, ...] = ()
    party_in: tuple[str, ...] | None = None
    party_ref: tuple[str, ...] | None = None
    #: Leave the row out when an element with the same fields is there already.
    unique: bool = False


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """Where a sheet is: its names, how many first rows to search for its header, its ID label."""

    names: tuple[str, ...] = ()
    header_rows: int = 12
    id_label: str = "ID"


@dataclass(frozen=True, slots=True)
class Subtable:
    """A ``Tabla_<id>`` sheet whose rows belong to the main row that names their ID.

    The sheet is the one that the main column's label (``…\\nTabla_492972``) or the template's field-id
    row names; ``sheet.names`` are looked for when neither does.
    """

    name: str
    #: The main-sheet column whose value is the ID of the sub-table rows.
    key: str
    sheet: SheetSpec
    columns: MappingABC[str, Column]
    party: Party | None = None
    item: Item | None = None
    #: The OCDS extension the sub-table's fields come from (for ``cdmx mappings check``).
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class Derived:
    """A field made from several columns: the first of them with a value, or a template."""

    path: str
    parts: tuple[str, ...]
    first: tuple[str, ...] = ()
    template: Template | None = None

    def columns(self) -> tuple[str, ...]:
        return self.first or (self.template.names if self.template else ())


@dataclass(frozen=True, slots=True)
class Amounts:
    """A contract's amounts: the total with taxes is the value of the award and the contract; when it
    is 0 or blank and a maximum is given (an open-ended contract), the maximum is. The maximum is also
    the tender's value, the minimum its ``minValue``. Amounts are rounded to cents."""

    total: str | None = None
    minimum: str | None = None
    maximum: str | None = None
    currency: str | None = None
    #: Normalized currency label → code.
    currencies: MappingABC[str, str] = field(default_factory=dict)
    default_currency: str = "MXN"
    #: Where the value goes (``contracts/0/value``, ``awards/0/value``).
    into: tuple[tuple[str, ...], ...] = ()

    def columns(self) -> list[str]:
        return [c for c in (self.total, self.minimum, self.maximum, self.currency) if c]


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
    derived: tuple[Derived, ...] = ()
    amounts: Amounts | None = None

    @property
    def is_main(self) -> bool:
        return self.index < 0


@dataclass(frozen=True, slots=True)
class Layout:
    """The transparency-platform layout a mapping reads: its format id (and the ids other states and
    versions give it), a name for people, the procedure types it holds and the years it was in use."""

    format: str
    formats: tuple[str, ...] = ()
    name: str = ""
    family: str = ""
    years: str = ""


#: What a process needs to be worth publishing; a mapping names the columns that carry each.
ESSENTIALS = ("supplier", "rfc", "amount", "contract_date", "method", "category", "buyer")


@dataclass(frozen=True)
class Plan:
    """A mapping ready for conversion."""

    source: str
    mode: str = "columns"
    title: str = ""
    #: The bundled mapping's name, or the file's stem.
    name: str = ""
    layout: Layout | None = None
    #: The agency's name, key and buyer (plain values: they go into the output as they are).
    agency: MappingABC[str, Any] = field(default_factory=dict)
    publisher: MappingABC[str, Any] | None = None
    license: str | None = None
    publication_policy: str | None = None
    extensions: tuple[str, ...] = ()
    ocid_prefix: str = ""
    main: SheetPlan | None = None
    sheets: tuple[SheetPlan, ...] = ()
    #: Essential → the main-sheet columns that carry it.
    essentials: tuple[tuple[str, tuple[str, ...]], ...] = ()
    note_column: str | None = None
    #: Values that mean "nothing" in any column, and in the columns that make the OCID (casefolded).
    placeholders: frozenset[str] = frozenset()
    id_placeholders: frozenset[str] = frozenset()

    @property
    def agency_key(self) -> str:
        return self.agency.get("key", "")

    @property
    def essential_columns(self) -> frozenset[str]:
        return frozenset(c for _, columns in self.essentials for c in columns)


def compile_plan(mapping: Mapping) -> Plan:
    """The plan of a loaded (and checked) mapping."""
    data = mapping.data
    layout = data.get("layout")
    placeholders = data.get("placeholders", {})
    common = {
        "source": mapping.source,
        "mode": data.get("mode", "columns"),
        "title": data.get("title", ""),
        "name": Path(mapping.source).stem,
        "layout": Layout(
            format=str(layout["format"]),
            formats=tuple(str(f) for f in layout.get("formats", [])),
            name=layout.get("name", ""),
            family=layout.get("family", ""),
            years=layout.get("years", ""),
        )
        if layout
        else None,
        "agency": MappingProxyType(_agency(data.get("agency") or {})),
        "publisher": data.get("publisher"),
        "license": data.get("license"),
        "publication_policy": data.get("publicationPolicy"),
        "extensions": tuple(data.get("extensions", [])),
        "essentials": tuple((k, tuple(v)) for k, v in data.get("essentials", {}).items()),
        "note_column": data.get("note_column"),
        "placeholders": _folded(placeholders.get("values", [])),
        "id_placeholders": _folded(placeholders.get("ids", [])),
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


def _agency(agency: dict) -> dict:
    """The agency block; one with a name and no buyer is the buyer (``CDMX-<key>``)."""
    agency = dict(agency)
    if agency.get("name") and not agency.get("buyer"):
        agency["buyer"] = agency_buyer(agency["name"], agency.get("key", ""))
    return agency


def _folded(values: list) -> frozenset[str]:
    return frozenset(" ".join(str(v).split()).casefold() for v in values)


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
        derived=tuple(_derived(path, d) for path, d in spec.get("derived", {}).items()),
        amounts=_amounts(spec["amounts"]) if spec.get("amounts") else None,
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
        keys=tuple(dict.fromkeys([label_key(spec["label"]), *(label_key(x) for x in spec.get("labels", []))])),
        type=spec.get("type", "string"),
        required=bool(spec.get("required")),
        targets=tuple(_target(t) for t in _targets(spec)),
        document=Document(
            document["in"], document["documentType"], Template.of(document["title"]) if document.get("title") else None
        )
        if document
        else None,
        reason=spec.get("reason"),
        use=spec.get("use"),
        placeholders=_folded(spec.get("placeholders", [])),
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
    address = spec.get("address")
    return Party(
        roles=tuple(spec.get("roles", [])),
        name=tuple(tuple(o) if isinstance(o, list) else (o,) for o in spec.get("name", [])),
        rfc=spec.get("rfc"),
        refs=tuple(spec.get("refs", [])),
        ref=tuple(spec.get("ref", [])),
        address=Address(
            street=tuple(address.get("street", [])),
            interior=address.get("interior"),
            settlement=tuple(address.get("settlement", [])),
            locality=address.get("locality"),
            municipality=address.get("municipality"),
            region=address.get("region"),
            postal_code=address.get("postal_code"),
            country=address.get("country"),
            foreign_street=tuple(address.get("foreign_street", [])),
            foreign_city=address.get("foreign_city"),
        )
        if address
        else None,
    )


def _item(spec: dict) -> Item:
    section, _, key = spec["into"].rpartition("/")
    fields = []
    for path, source in spec.get("fields", {}).items():
        parts = tuple(path.split("/"))
        if isinstance(source, dict) and "join" in source:
            fields.append(ItemField(parts, join=tuple(source["join"])))
        elif isinstance(source, dict):
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
        unique=bool(spec.get("unique")),
    )


def _subtable(spec: dict) -> Subtable:
    return Subtable(
        name=spec["name"],
        key=spec["key"],
        sheet=_sheet_spec(spec["sheet"], 6),
        columns=_columns(spec["columns"]),
        party=_party(spec["party"]) if spec.get("party") else None,
        item=_item(spec["item"]) if spec.get("item") else None,
        extension=spec.get("extension"),
    )


def _derived(path: str, spec: dict) -> Derived:
    return Derived(
        path=path,
        parts=tuple(path.split("/")),
        first=tuple(spec.get("first", [])),
        template=Template.of(spec["template"]) if spec.get("template") else None,
    )


def _amounts(spec: dict) -> Amounts:
    currency = spec.get("currency", {})
    return Amounts(
        total=spec.get("total"),
        minimum=spec.get("minimum"),
        maximum=spec.get("maximum"),
        currency=currency.get("column"),
        currencies=MappingProxyType({normalize_label(k): v for k, v in currency.get("map", {}).items()}),
        default_currency=currency.get("default", "MXN"),
        into=tuple(tuple(p.split("/")) for p in spec.get("into", [])),
    )
