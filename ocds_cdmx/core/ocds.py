"""What OCDS 1.1 says once, for every pipeline: stages, tags, organisation references, item kinds.

Every function here takes data that may be invalid in any way and never raises on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: The five stages of a contracting process, in order.
STAGES = ("planning", "tender", "award", "contract", "implementation")
#: The release section that holds each stage.
STAGE_SECTIONS = ("planning", "tender", "awards", "contracts", "implementation")

#: The stage (index in :data:`STAGES`) that each release tag announces.
TAG_STAGE = {
    "planning": 0, "planningUpdate": 0, "tender": 1, "tenderAmendment": 1, "tenderUpdate": 1,
    "tenderCancellation": 1, "award": 2, "awardUpdate": 2, "awardCancellation": 2, "contract": 3,
    "contractUpdate": 3, "contractAmendment": 3, "contractTermination": 3, "implementation": 4,
    "implementationUpdate": 4,
}  # fmt: skip

#: The first stage at which a party with this role takes part (index in :data:`STAGES`).
ROLE_STAGE = {
    "funder": 0, "buyer": 0, "procuringEntity": 1, "interestedParty": 1, "enquirer": 1, "tenderer": 1,
    "supplier": 2, "payer": 3, "payee": 3,
}  # fmt: skip

#: Every organisation reference of an OCDS 1.1 release (with the bid extension): its path, ``[]``
#: standing for every element of an array, and the role its party must have.
ORGANIZATION_REFERENCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("buyer",), "buyer"),
    (("tender", "procuringEntity"), "procuringEntity"),
    (("tender", "tenderers", "[]"), "tenderer"),
    (("awards", "[]", "suppliers", "[]"), "supplier"),
    (("bids", "details", "[]", "tenderers", "[]"), "tenderer"),
    (("contracts", "[]", "implementation", "transactions", "[]", "payer"), "payer"),
    (("contracts", "[]", "implementation", "transactions", "[]", "payee"), "payee"),
)


def iter_references(release: Any) -> Iterator[tuple[dict, tuple, str]]:
    """``(reference, path, role)`` for every organisation reference of ``release`` that is an object,
    in the order of :data:`ORGANIZATION_REFERENCES`; ``path`` has the array indexes."""
    if not isinstance(release, dict):
        return
    for steps, role in ORGANIZATION_REFERENCES:
        if steps[0] in release:
            for ref, path in _follow(release, steps):
                if isinstance(ref, dict):
                    yield ref, path, role


def _follow(node: Any, steps: tuple[str, ...]) -> list[tuple[Any, tuple]]:
    """The values at ``steps`` under ``node`` with their paths, in document order (one step at a time
    over every value reached so far: the quality checks call this for every release)."""
    reached: list[tuple[Any, tuple]] = [(node, ())]
    for step in steps:
        after: list[tuple[Any, tuple]] = []
        if step == "[]":
            for value, path in reached:
                if isinstance(value, list):
                    after.extend((item, (*path, i)) for i, item in enumerate(value))
        else:
            for value, path in reached:
                if isinstance(value, dict) and step in value:
                    after.append((value[step], (*path, step)))
        if not after:
            return after
        reached = after
    return reached


def is_record(value: Any) -> bool:
    """Whether a bare object is a record rather than a release (as the Review Tool decides)."""
    return isinstance(value, dict) and ("compiledRelease" in value or ("releases" in value and "tag" not in value))


def is_package(value: Any) -> bool:
    """Whether an object is a release or record package."""
    return isinstance(value, dict) and ("releases" in value or "records" in value)


def package_key(metadata: dict) -> str:
    """``records`` for a record package, ``releases`` for a release package."""
    return "records" if "records" in metadata else "releases"


#: The fields that OCDS's guidance names as the minimum for useful data, each with the stage it belongs
#: to (the buyer is a stage of its own: every process has one).
COVERAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("tender", "tender_value"),
    ("tender", "tender_period"),
    ("tender", "tender_title"),
    ("buyer", "buyer_name"),
    ("award", "award_value"),
    ("award", "award_date"),
    ("award", "supplier_name"),
    ("contract", "contract_period"),
)
#: The stages of :data:`COVERAGE_FIELDS`: shares of processes with a tender, of all processes, of awards
#: and of contracts.
COVERAGE_STAGES = ("tender", "buyer", "award", "contract")
