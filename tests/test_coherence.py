"""Pelican's checks of one release (validation/coherence.py): each fires on what it is for, and not on
the same release made right, nor on what is normal in Mexico."""

from __future__ import annotations

import copy
import json
import sys
from datetime import UTC, datetime

import pytest

from ocds_cdmx import convert, validate
from ocds_cdmx.core.findings import Findings
from ocds_cdmx.report.messages import finding_text
from ocds_cdmx.validation import coherence, quality

from .conftest import OCDS, ROOT

NOW = datetime(2024, 11, 1, tzinfo=UTC)
NEW = {"date_in_future", "date_too_early", "timeline", "payments_exceed_contract", "contract_award_ratio",
       "tenderers_count", "party_name_differs", "party_role_unreferenced", "document_type_section"}  # fmt: skip


def _good() -> dict:
    """A direct award with three quotes (the rule in Mexico), its contract and two payments."""
    buyer = {"id": "SAF", "name": "Secretaría de Administración y Finanzas"}
    winner = {"id": "MX-RFC-SPT1204173Z2", "name": "Seguridad Privada Tenochtitlan, S.C."}
    quotes = [
        winner,
        {"id": "MX-RFC-AAA010101AAA", "name": "Uno S.A."},
        {"id": "MX-RFC-BBB010101BBB", "name": "Dos S.A."},
    ]
    return {
        "ocid": "ocds-87sd3t-SAF-AD-001-2024", "id": "1", "date": "2024-10-01T00:00:00-06:00", "tag": ["implementation"],
        "buyer": buyer,
        "parties": [
            {**buyer, "roles": ["buyer", "procuringEntity", "payer"]},
            {**winner, "roles": ["tenderer", "supplier", "payee"]},
            {**quotes[1], "roles": ["tenderer"]},
            {**quotes[2], "roles": ["tenderer"]},
        ],
        "tender": {
            "id": "AD-001", "procurementMethod": "direct", "procuringEntity": buyer,
            "tenderPeriod": {"startDate": "2024-01-10T00:00:00-06:00", "endDate": "2024-01-20T00:00:00-06:00"},
            "numberOfTenderers": 3, "tenderers": quotes,
            "documents": [{"id": "t1", "documentType": "tenderNotice"}],
        },
        "awards": [{
            "id": "A1", "date": "2024-01-25T00:00:00-06:00", "suppliers": [winner],
            "value": {"amount": 1_000_000, "currency": "MXN"},
            "documents": [{"id": "a1", "documentType": "awardNotice"}],
        }],
        "contracts": [{
            "id": "C1", "awardID": "A1", "dateSigned": "2024-02-01T00:00:00-06:00",
            "value": {"amount": 1_160_000, "currency": "MXN"},
            "documents": [{"id": "c1", "documentType": "contractSigned"}],
            "implementation": {
                "transactions": [
                    {"id": "T1", "date": "2024-03-01T00:00:00-06:00", "value": {"amount": 580_000, "currency": "MXN"},
                     "payer": buyer, "payee": winner},
                    {"id": "T2", "date": "2024-04-01T00:00:00-06:00", "value": {"amount": 580_000, "currency": "MXN"},
                     "payer": buyer, "payee": winner},
                ],
                "documents": [{"id": "i1", "documentType": "physicalProgressReport"}],
            },
        }],
    }  # fmt: skip


def _found(release: dict) -> dict[str, list]:
    findings = Findings(0)
    coherence.check_release(release, ("releases", 0), findings, now=NOW)
    out: dict[str, list] = {}
    for group in findings.groups.values():
        out.setdefault(group.check, []).extend((loc.path, loc.value, group.params) for loc in group.locations)
    return out


def test_a_coherent_direct_award_with_three_quotes_has_no_finding():
    assert _found(_good()) == {}
    findings = Findings(0)
    quality.check_release(_good(), ("releases", 0), findings)  # coherence runs inside the quality pass
    assert not {g.check for g in findings.groups.values()} & NEW


def _spoil(change) -> dict[str, list]:
    release = _good()
    change(release)
    return _found(release)


def test_a_contract_signed_in_the_future():
    def future(r):
        r["contracts"][0]["dateSigned"] = "2025-06-01T00:00:00-06:00"

    found = _spoil(future)
    assert found["date_in_future"] == [("releases/0/contracts/0/dateSigned", "2025-06-01T00:00:00-06:00", {})]
    # A day ahead is the time zones, not the future.
    assert "date_in_future" not in _spoil(lambda r: r["contracts"][0].update(dateSigned="2024-11-01T12:00:00-06:00"))


def test_dates_before_1990_but_not_placeholders():
    def early(r):
        r["awards"][0]["date"] = "0224-01-25T00:00:00-06:00"
        r["contracts"][0]["implementation"]["transactions"][0]["date"] = "1989-12-31T00:00:00-06:00"

    found = _spoil(early)
    assert {p for p, _, _ in found["date_too_early"]} == {
        "releases/0/awards/0/date",
        "releases/0/contracts/0/implementation/transactions/0/date",
    }
    assert found["date_too_early"][0][2] == {"year": 1990}
    # 1970-01-01 is a placeholder, which quality.py reports as such: not twice.
    assert "date_too_early" not in _spoil(lambda r: r["awards"][0].update(date="1970-01-01T00:00:00Z"))
    assert "date_too_early" not in _spoil(lambda r: r["awards"][0].update(date="1990-01-01T00:00:00-06:00"))


def test_the_timeline_tender_award_signature_payments():
    def award_early(r):
        r["awards"][0]["date"] = "2024-01-15T00:00:00-06:00"  # before the tender period ends

    found = _spoil(award_early)
    assert [(p, params["earlier"]) for p, _, params in found["timeline"]] == [
        ("releases/0/awards/0/date", "tender/tenderPeriod/endDate")
    ]

    def signed_early(r):
        r["contracts"][0]["dateSigned"] = "2024-01-18T00:00:00-06:00"
        r["awards"][0]["date"] = "2024-01-20T00:00:00-06:00"

    assert [p for p, _, _ in _spoil(signed_early)["timeline"]] == ["releases/0/contracts/0/dateSigned"]

    def paid_early(r):
        r["contracts"][0]["implementation"]["transactions"][1]["date"] = "2024-01-31T00:00:00-06:00"

    found = _spoil(paid_early)
    assert [(p, params["later"]) for p, _, params in found["timeline"]] == [
        ("releases/0/contracts/0/implementation/transactions/1/date", "contracts/implementation/transactions/date")
    ]
    # The same day is in order; dates that do not parse are skipped.
    assert "timeline" not in _spoil(lambda r: r["awards"][0].update(date="2024-01-20T00:00:00-06:00"))
    assert "timeline" not in _spoil(lambda r: r["awards"][0].update(date="el martes"))
    assert "timeline" not in _spoil(lambda r: r["tender"].pop("tenderPeriod"))


def test_payments_above_the_contract_value():
    def overpaid(r):
        r["contracts"][0]["implementation"]["transactions"][1]["value"]["amount"] = 700_000

    found = _spoil(overpaid)
    assert found["payments_exceed_contract"] == [
        ("releases/0/contracts/0/value/amount", 1_160_000, {"paid": 1_280_000, "currency": "MXN"})
    ]
    # Payments in another currency are not added to pesos; rounding cents are not an overpayment.
    assert "payments_exceed_contract" not in _spoil(
        lambda r: r["contracts"][0]["implementation"]["transactions"][1]["value"].update(currency="USD", amount=9e6)
    )
    assert "payments_exceed_contract" not in _spoil(
        lambda r: r["contracts"][0]["implementation"]["transactions"][1]["value"].update(amount=580_000.01)
    )


def test_contract_and_award_values_within_50_to_150_percent():
    found = _spoil(lambda r: r["contracts"][0]["value"].update(amount=11_600_000))  # a zero too many
    assert found["contract_award_ratio"] == [("releases/0/awards/0/value/amount", 1_000_000, {"percent": 1160})]
    assert _spoil(lambda r: r["contracts"][0]["value"].update(amount=400_000))["contract_award_ratio"][0][2] == {
        "percent": 40
    }
    for amount in (500_000, 1_500_000):  # the bounds are in
        assert "contract_award_ratio" not in _spoil(lambda r, a=amount: r["contracts"][0]["value"].update(amount=a))

    # Two contracts of one award are added up.
    def split(r):
        second = copy.deepcopy(r["contracts"][0])
        second["id"] = "C2"
        r["contracts"][0]["value"]["amount"] = r["contracts"][0]["value"]["amount"] = 600_000
        second["value"]["amount"] = 500_000
        second.pop("implementation")
        r["contracts"].append(second)

    assert "contract_award_ratio" not in _spoil(split)
    assert "contract_award_ratio" not in _spoil(lambda r: r["contracts"][0]["value"].update(currency="USD"))


def test_number_of_tenderers_and_the_tenderers_listed():
    found = _spoil(lambda r: r["tender"].update(numberOfTenderers=4))
    assert found["tenderers_count"] == [("releases/0/tender/numberOfTenderers", 4, {"listed": 3})]
    # Without a list there is nothing to compare with (the count of a CSV download, say).
    assert "tenderers_count" not in _spoil(lambda r: r["tender"].pop("tenderers") and r["parties"][2:].clear())


def test_a_reference_named_unlike_its_party():
    def renamed(r):
        r["awards"][0]["suppliers"][0] = {**r["awards"][0]["suppliers"][0], "name": "Tenochtitlan Seguridad"}

    found = _spoil(renamed)
    (path, value, params) = found["party_name_differs"][0]
    assert path == "releases/0/awards/0/suppliers/0/name" and value == "Tenochtitlan Seguridad"
    assert params == {"role": "supplier", "party": "Seguridad Privada Tenochtitlan, S.C."}
    # Spaces are not a different name.
    assert "party_name_differs" not in _spoil(
        lambda r: r["buyer"].update(name="Secretaría de  Administración y Finanzas ")
    )


def test_a_role_never_referenced():
    found = _spoil(lambda r: r["parties"][2]["roles"].append("supplier"))
    assert found["party_role_unreferenced"] == [("releases/0/parties/2/roles", "supplier", {"role": "supplier"})]

    # A cumulative tender release may name tomorrow's supplier: the role waits for the awards.
    def tender_stage(r):
        r.pop("awards")
        r.pop("contracts")

    assert "party_role_unreferenced" not in _spoil(tender_stage)
    # The buyer role is not checked (Pelican: a release may list several buyers, and has one buyer field).
    assert "party_role_unreferenced" not in _spoil(lambda r: r["parties"][2]["roles"].append("buyer"))


def test_document_types_that_do_not_fit_their_section():
    found = _spoil(lambda r: r["awards"][0]["documents"].append({"id": "a2", "documentType": "tenderNotice"}))
    (path, value, params) = found["document_type_section"][0]
    assert (path, value) == ("releases/0/awards/0/documents/1/documentType", "tenderNotice")
    assert params["section"] == "award" and params["sections"] == "tender"
    title, advice = finding_text("document_type_section", params, "awards/documents/documentType", "es")
    assert "tenderNotice" in title and "award" in title and "tender" in advice
    # A code listed for several sections fits each; a code of an extension is not judged.
    assert "document_type_section" not in _spoil(
        lambda r: r["awards"][0]["documents"].append({"id": "a3", "documentType": "contractDraft"})
    )
    assert "document_type_section" not in _spoil(
        lambda r: r["awards"][0]["documents"].append({"id": "a4", "documentType": "invoice"})
    )


@pytest.mark.parametrize("check", sorted(NEW))
def test_every_new_check_speaks_spanish_and_english(check):
    english = finding_text(check, {"reason": None}, "x/y", "en")
    spanish = finding_text(check, {"reason": None}, "x/y", "es")
    assert all(english) and all(spanish) and english != spanish


def test_malformed_releases_never_raise():
    for broken in ({}, {"tender": []}, {"awards": "x"}, {"contracts": [None, 3, {"value": "x"}]},
                   {"parties": [{"id": True, "roles": "supplier"}], "awards": [{}]},
                   {"tender": {"tenderers": [1], "numberOfTenderers": "3", "documents": {"a": 1}}}):  # fmt: skip
        coherence.check_release(broken, (), Findings(), now=NOW)


def test_generated_and_converted_data(tmp_path):
    """The generator's coherent processes raise none of the date, value or reference checks."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import iter_releases

    path = tmp_path / "p.json"
    path.write_text(json.dumps({"version": "1.1", "releases": list(iter_releases(300, seed=4))}), encoding="utf-8")
    found = {g.check for g in validate(path, jobs=1).findings.groups.values()}
    assert not found & (NEW - {"document_type_section"})
    # The quick start's workbook: its real dates and amounts are coherent too, and the mapping puts
    # each document in the section its type belongs to.
    out = tmp_path / "sedema.json"
    convert([ROOT / "samples" / "28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx"], None, out, schema_dir=str(OCDS), offline=True)
    found = {g.check for g in validate(out, jobs=1).findings.groups.values()}
    assert not found & NEW
