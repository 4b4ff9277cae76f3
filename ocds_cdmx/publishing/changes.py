"""What a night publishes for one process: nothing, its first releases, or one new release.

A process's *state* is tonight's cumulative release of its latest stage (everything known of it) without
``id``, ``date`` and ``tag``; the store keeps the hash of the state last published. Tonight:

- a process never published gets the conversion's releases, one per stage, as they are;
- a process whose state hash is the same gets nothing;
- a process whose state changed gets **one** new release: the state, tagged by the sections that
  changed (``tenderUpdate``, ``awardUpdate``, ``contractUpdate``…, ``tenderAmendment`` or
  ``contractAmendment`` where amendments were added, the stage's own tag where the stage is new), with
  ``null`` for every value that the compiled release of the published releases has and the state no
  longer has (as OCDS removes values: https://standard.open-contracting.org/1.1/en/schema/merging/),
  an ``id`` unique within the OCID and a ``date`` later than every earlier release of the OCID.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..core.ocds import STAGES, TAG_STAGE
from ..core.release_ids import HASH_DIGITS, content_hash, release_id
from ..merging.compile import ItemKey, Rules, compiled_release_fast, flatten
from ..schema.walk import deref, types_of

#: (section, path in the release, tag when new, tag when changed, tag when amendments were added)
SECTIONS = (
    ("planning", ("planning",), "planning", "planningUpdate", None),
    ("tender", ("tender",), "tender", "tenderUpdate", "tenderAmendment"),
    ("award", ("awards",), "award", "awardUpdate", None),
    ("contract", ("contracts",), "contract", "contractUpdate", "contractAmendment"),
    ("implementation", ("contracts", "implementation"), "implementation", "implementationUpdate", None),
)
UPDATE_TAGS = {stage: update for stage, _, _, update, _ in SECTIONS}


def state_of(release: dict) -> dict:
    """A release without ``id``, ``date`` and ``tag``: what a night compares."""
    return {k: v for k, v in release.items() if k not in ("id", "date", "tag")}


def state_hash(release: dict) -> str:
    """The hash of a release's state (see :func:`state_of`)."""
    return content_hash(state_of(release))


def stage_of(release: dict) -> str:
    """The latest stage a release's tags announce (``planning`` when none does)."""
    levels = [TAG_STAGE[t] for t in release.get("tag") or [] if t in TAG_STAGE]
    return STAGES[max(levels)] if levels else "planning"


def parse_date(text: Any) -> datetime | None:
    """An RFC 3339 date-time with its offset, or None."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def format_date(value: datetime) -> str:
    """RFC 3339 with the offset, to the second (``2024-10-16T02:00:00-06:00``)."""
    return value.isoformat(timespec="seconds")


def later_date(candidate: Any, earlier: list[Any], night: str) -> str:
    """``candidate`` if it is later than every date of ``earlier``; else the night, if that is; else one
    second after the latest of ``earlier``. "Later" both as an instant and as text, since the merge (as
    ``ocdskit compile``) orders releases by the text of their dates."""
    dates = [(parse_date(d), d) for d in earlier]
    dates = [(p, d) for p, d in dates if p is not None]
    if not dates:
        return candidate if parse_date(candidate) is not None else night

    def later(text: Any) -> bool:
        parsed = parse_date(text)
        return parsed is not None and all(parsed > p and text > d for p, d in dates)

    if later(candidate):
        return candidate
    if later(night):
        return night
    latest = max(dates)[0]
    while True:
        latest += timedelta(seconds=1)
        if later(format_date(latest)):
            return format_date(latest)


@dataclass
class Outcome:
    """What a night does to one process."""

    kind: str  # "new", "updated" or "unchanged"
    releases: list[dict] = field(default_factory=list)
    state: str = ""
    #: Paths of values that disappeared but that the schema does not let be null (kept in the record).
    kept: list[tuple] = field(default_factory=list)


def first_releases(stage_releases: list[dict]) -> Outcome:
    """A process published for the first time: the conversion's releases, in date order (as the merge
    orders them: by the text of the date), stages in order within a date."""
    ordered = sorted(stage_releases, key=lambda r: str(r.get("date") or ""))
    return Outcome("new", ordered, state_hash(stage_releases[-1]))


class Changes:
    """Works out the new release of a changed process (see the module's documentation)."""

    def __init__(self, rules: Rules, release_schema: dict) -> None:
        self.rules = rules
        self.schema = release_schema
        self._nullable: dict[tuple, bool] = {}

    def outcome(
        self,
        ocid: str,
        stage_releases: list[dict],
        stored_state: str | None,
        published: Callable[[], list[dict]],
        night: str,
        digest: str | None = None,
    ) -> Outcome:
        """The outcome for one process: ``stage_releases`` are tonight's (stages in order), ``stored_state``
        the hash of the state last published (None: never published), ``published()`` its releases;
        ``digest`` the state's hash, when the caller knows it (else it is computed)."""
        top = stage_releases[-1]
        digest = digest or state_hash(top)
        if stored_state is None:
            outcome = first_releases(stage_releases)
            outcome.state = digest
            return outcome
        if digest == stored_state:
            return Outcome("unchanged", state=digest)
        earlier = published()
        ordered = sorted(earlier, key=lambda r: str(r.get("date") or ""))
        compiled = compiled_release_fast(ordered, self.rules)
        state = state_of(top)
        tags = self.tags(compiled, state, stage_of(top))
        release, kept = self.with_nulls(state, compiled)
        date = later_date(top.get("date"), [r.get("date") for r in earlier], night)
        body: dict[str, Any] = {"ocid": ocid, "id": "", "date": date, "tag": tags}
        body.update((k, v) for k, v in release.items() if k != "ocid")
        stage = stage_of(top)
        ident = release_id(ocid, stage, body)
        used = {r.get("id") for r in earlier}
        if ident in used:
            # The same content published before (a value changed back): the date tells it apart.
            ident = f"{ocid}-{stage}-{content_hash({**body, 'published': date}, HASH_DIGITS)}"
        body["id"] = ident
        return Outcome("updated", [body], digest, kept)

    # -- tags ----------------------------------------------------------------------------------------
    def _flat(self, value: Any, path: tuple) -> dict:
        """The flattened leaves of one section (``path`` from the release's root)."""
        rules = self.rules
        for name in path[:-1]:
            rules = rules.children.get(name, Rules()) if rules is not None else None
        if value is None:
            return {}
        return flatten({path[-1]: value}, rules, {})

    def _section(self, release: dict, path: tuple, implementation: bool) -> Any:
        value = release.get(path[0])
        if path[0] != "contracts" or not isinstance(value, list):
            return value
        if implementation:
            # Implementation: the contracts' implementation only, keyed by contract.
            return [{"id": c.get("id"), "implementation": c["implementation"]} for c in value if "implementation" in c]
        return [{k: v for k, v in c.items() if k != "implementation"} for c in value if isinstance(c, dict)]

    def tags(self, before: dict, after: dict, stage: str) -> list[str]:
        """The tags of a new release: per section, new (the stage's tag), changed (its update tag), or
        amended (its amendment tag); other changes (parties, bids…) take the latest stage's update tag."""
        tags: list[str] = []
        for name, path, new, update, amendment in SECTIONS:
            implementation = name == "implementation"
            old = self._section(before, path, implementation)
            now = self._section(after, path, implementation)
            if not now:
                continue
            old_flat, now_flat = self._flat(old, path[:1]), self._flat(now, path[:1])
            if not old_flat:
                tags.append(new)
            elif old_flat != now_flat:
                added = amendment and _amendment_ids(now) - _amendment_ids(old)
                tags.append(amendment if added else update)
        if not tags:
            tags.append(UPDATE_TAGS.get(stage, "tenderUpdate"))
        return tags

    # -- nulls ---------------------------------------------------------------------------------------
    def with_nulls(self, state: dict, compiled: dict) -> tuple[dict, list[tuple]]:
        """``state`` with ``null`` for every value of ``compiled`` that it lacks (the schema permitting)."""
        skip = {"id", "date", "tag", "ocid"}
        before = flatten({k: v for k, v in compiled.items() if k not in skip}, self.rules, {})
        after = flatten({k: v for k, v in state.items() if k not in skip}, self.rules, {})
        release = _copy(state)
        kept = []
        for path in before:
            if path in after or (len(path) > 1 and path[-1] == "id" and isinstance(path[-2], ItemKey)):
                continue
            if not self.nullable(path) or not _put_null(release, path):
                kept.append(path)
        return release, kept

    def nullable(self, path: tuple) -> bool:
        """Whether the release schema lets the field at ``path`` be ``null`` (unknown fields: yes)."""
        names = tuple(str(p) if not isinstance(p, ItemKey) else "[]" for p in path)
        if names in self._nullable:
            return self._nullable[names]
        node, seen = self.schema, ()
        for name in names:
            node, seen = deref(self.schema, node, seen)
            if name == "[]":
                node = node.get("items", {})
                continue
            properties = node.get("properties") if isinstance(node, dict) else None
            if not isinstance(properties, dict) or name not in properties:
                node = None
                break
            node = properties[name]
        if node is not None:
            node, _ = deref(self.schema, node, seen)
        kinds = types_of(node) if isinstance(node, dict) else []
        allowed = node is None or not kinds or "null" in kinds
        self._nullable[names] = allowed
        return allowed


def _amendment_ids(section: Any) -> set[str]:
    """The ids of the amendments of a section (tender, or each contract)."""
    found: set[str] = set()
    for part in section if isinstance(section, list) else [section]:
        if isinstance(part, dict):
            for amendment in part.get("amendments") or []:
                if isinstance(amendment, dict) and "id" in amendment:
                    found.add(f"{part.get('id')}/{amendment['id']}")
    return found


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _put_null(release: dict, path: tuple) -> bool:
    """Set ``null`` at a flattened merge path (objects in arrays found by id, made if missing)."""
    node: Any = release
    for step, following in itertools.pairwise(path):
        if isinstance(step, ItemKey):
            if not isinstance(node, list):
                return False
            match = next((i for i in node if isinstance(i, dict) and str(i.get("id")) == str(step)), None)
            if match is None:
                if step.original is None:
                    return False
                match = {"id": step.original}
                node.append(match)
            node = match
            continue
        if not isinstance(node, dict):
            return False
        if step not in node:
            node[step] = [] if isinstance(following, ItemKey) else {}
        node = node[step]
    last = path[-1]
    if not isinstance(node, dict) or isinstance(last, ItemKey):
        return False
    node[last] = None
    return True
