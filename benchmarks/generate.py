"""Generate realistic OCDS 1.1 release packages for benchmarks.

Each contracting process gets several cumulative releases (planning, tender, award, contract,
implementation), each release carrying everything known so far, so that a release weighs about 8 KB
as the city's real releases do. Output is deterministic for a given seed.

    python benchmarks/generate.py 10000 -o /tmp/releases-10k.json
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

OFFSET = timezone(timedelta(hours=-6))
AGENCIES = [
    ("SAF", "Secretaría de Administración y Finanzas"),
    ("SOBSE", "Secretaría de Obras y Servicios"),
    ("SEDEMA", "Secretaría del Medio Ambiente"),
    ("SEDECO", "Secretaría de Desarrollo Económico"),
]
METHODS = [
    ("open", "Licitación pública nacional"),
    ("limited", "Invitación restringida a cuando menos tres proveedores"),
    ("direct", "Adjudicación directa"),
]
CATEGORIES = ["goods", "services", "works"]
WORDS = [
    "adquisición",
    "servicio",
    "mantenimiento",
    "preventivo",
    "correctivo",
    "equipo",
    "cómputo",
    "mobiliario",
    "oficina",
    "obra",
    "pública",
    "rehabilitación",
    "pavimento",
    "alumbrado",
    "suministro",
    "papelería",
    "vehículos",
    "limpieza",
    "vigilancia",
    "consultoría",
    "capacitación",
    "software",
    "licencias",
    "arrendamiento",
    "inmuebles",
]
STAGES = ["planning", "tender", "award", "contract", "implementation"]


def _date(base: datetime, days: int) -> str:
    return (base + timedelta(days=days)).isoformat()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def _rfc(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ&Ñ"
    return (
        "".join(rng.choice(letters) for _ in range(3))
        + f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(3))
    )


def _party(rng: random.Random, rfc: str, name: str, roles: list[str]) -> dict:
    return {
        "id": f"MX-RFC-{rfc}",
        "name": name,
        "identifier": {"scheme": "MX-RFC", "id": rfc, "legalName": name},
        "address": {
            "streetAddress": f"Calle {_text(rng, 2)} {rng.randint(1, 999)}",
            "locality": "Ciudad de México",
            "region": "CDMX",
            "postalCode": f"{rng.randint(1000, 16999):05d}",
            "countryName": "México",
        },
        "contactPoint": {
            "name": f"{_text(rng, 1)} {_text(rng, 1)}",
            "email": f"contacto{rng.randint(1, 9999)}@example.mx",
            "telephone": f"55{rng.randint(10000000, 99999999)}",
        },
        "roles": roles,
    }


def _document(rng: random.Random, doc_id: str, doc_type: str, date: str) -> dict:
    return {
        "id": doc_id,
        "documentType": doc_type,
        "title": _text(rng, 4),
        "description": _text(rng, 10),
        "url": f"https://transparencia.cdmx.gob.mx/storage/app/uploads/public/{rng.randint(10**8, 10**9)}.pdf",
        "datePublished": date,
        "format": "application/pdf",
        "language": "es",
    }


def _items(rng: random.Random, n: int) -> list[dict]:
    return [
        {
            "id": str(i + 1),
            "description": _text(rng, 6),
            "classification": {
                "scheme": "CUCOP",
                "id": str(rng.randint(10000000, 99999999)),
                "description": _text(rng, 3),
            },
            "quantity": rng.randint(1, 500),
            "unit": {
                "name": rng.choice(["Pieza", "Servicio", "Lote", "Metro cuadrado"]),
                "value": {"amount": round(rng.uniform(100, 50000), 2), "currency": "MXN"},
            },
        }
        for i in range(n)
    ]


def process_releases(rng: random.Random, number: int, year: int) -> list[dict]:
    """All the cumulative releases of one contracting process."""
    key, agency = rng.choice(AGENCIES)
    method, details = rng.choice(METHODS)
    ocid = f"ocds-87sd3t-{key}-{method[:2].upper()}-{number:05d}-{year}"
    base = datetime(year, rng.randint(1, 10), rng.randint(1, 28), 10, 0, tzinfo=OFFSET)
    buyer = {"id": f"CDMX-{key}", "name": agency}
    buyer_party = {
        "id": f"CDMX-{key}",
        "name": agency,
        "identifier": {"scheme": "MX-RFC", "id": "GDF9712054NA", "legalName": "Gobierno de la Ciudad de México"},
        "roles": ["buyer", "procuringEntity", "payer"],
    }
    suppliers = [(_rfc(rng), f"{_text(rng, 2)} S.A. de C.V.") for _ in range(rng.randint(2, 3))]
    winner = suppliers[0]
    amount = round(rng.uniform(50_000, 20_000_000), 2)
    items = _items(rng, rng.randint(2, 4))
    release: dict = {
        "ocid": ocid,
        "initiationType": "tender",
        "language": "es",
        "buyer": buyer,
        "parties": [buyer_party],
        "planning": {
            "rationale": _text(rng, 20),
            "budget": {
                "id": f"PAAAPS-{year}-{number}",
                "description": _text(rng, 8),
                "amount": {"amount": round(amount * 1.2, 2), "currency": "MXN"},
                "project": _text(rng, 5),
            },
            "documents": [_document(rng, "plan-1", "procurementPlan", _date(base, 0))],
        },
    }
    out = []
    for stage_index, stage in enumerate(STAGES):
        date = _date(base, 15 * stage_index)
        if stage == "tender":
            release["tender"] = {
                "id": f"{ocid}-tender",
                "title": _text(rng, 6),
                "description": _text(rng, 60),
                "status": "complete",
                "procuringEntity": buyer,
                "items": items,
                "value": {"amount": amount, "currency": "MXN"},
                "procurementMethod": method,
                "procurementMethodDetails": details,
                "procurementMethodRationale": "Artículo 55 de la Ley de Adquisiciones para el Distrito Federal",
                "mainProcurementCategory": rng.choice(CATEGORIES),
                "tenderPeriod": {"startDate": _date(base, 16), "endDate": _date(base, 26)},
                "numberOfTenderers": len(suppliers),
                "tenderers": [{"id": f"MX-RFC-{rfc}", "name": name} for rfc, name in suppliers],
                "documents": [
                    _document(rng, "tender-1", "tenderNotice", _date(base, 16)),
                    _document(rng, "tender-2", "technicalSpecifications", _date(base, 16)),
                ],
            }
            release["parties"] = [buyer_party] + [
                _party(rng, rfc, name, ["tenderer"] + (["supplier", "payee"] if (rfc, name) == winner else []))
                for rfc, name in suppliers
            ]
        elif stage == "award":
            release["awards"] = [
                {
                    "id": f"{ocid}-award-1",
                    "title": _text(rng, 5),
                    "description": _text(rng, 30),
                    "status": "active",
                    "date": _date(base, 30),
                    "value": {"amount": amount, "currency": "MXN"},
                    "suppliers": [{"id": f"MX-RFC-{winner[0]}", "name": winner[1]}],
                    "items": items,
                    "documents": [
                        _document(rng, "award-1", "awardNotice", _date(base, 30)),
                        _document(rng, "award-2", "evaluationReports", _date(base, 30)),
                    ],
                }
            ]
        elif stage == "contract":
            release["contracts"] = [
                {
                    "id": f"{ocid}-contract-1",
                    "awardID": f"{ocid}-award-1",
                    "title": _text(rng, 5),
                    "description": _text(rng, 30),
                    "status": "active",
                    "period": {"startDate": _date(base, 46), "endDate": _date(base, 200)},
                    "value": {"amount": amount, "currency": "MXN"},
                    "dateSigned": _date(base, 45),
                    "items": items,
                    "documents": [
                        _document(rng, "contract-1", "contractSigned", _date(base, 45)),
                        _document(rng, "contract-2", "contractGuarantees", _date(base, 45)),
                    ],
                }
            ]
        elif stage == "implementation":
            release["contracts"][0]["implementation"] = {
                "transactions": [
                    {
                        "id": f"CLC{rng.randint(10**9, 10**10)}-{year}",
                        "source": "https://finanzas.cdmx.gob.mx/clc",
                        "date": _date(base, 60 + 30 * k),
                        "value": {"amount": round(amount / 3, 2), "currency": "MXN"},
                        "payer": buyer,
                        "payee": {"id": f"MX-RFC-{winner[0]}", "name": winner[1]},
                    }
                    for k in range(3)
                ],
                "milestones": [
                    {"id": f"m{k}", "title": _text(rng, 3), "type": "delivery", "status": "met"} for k in range(2)
                ],
            }
        snapshot = json.loads(json.dumps(release))
        snapshot["id"] = f"{ocid}-{stage}"
        snapshot["date"] = date
        snapshot["tag"] = [stage if stage != "implementation" else "implementation"]
        out.append(snapshot)
    return out


def iter_releases(count: int, seed: int = 1) -> Iterator[dict]:
    """Yield `count` releases, grouped by process, deterministic for `seed`."""
    rng = random.Random(seed)
    produced = 0
    number = 0
    while produced < count:
        number += 1
        for release in process_releases(rng, number, 2020 + number % 5):
            if produced == count:
                return
            produced += 1
            yield release


#: Ways a release is broken in a package "full of errors": each is one thing publishers get wrong.
BREAKAGES = (
    "date", "codelist", "required", "additional", "empty", "placeholder", "type", "duplicate_party",
    "deprecated", "mojibake",
)  # fmt: skip


def break_release(release: dict, kind: str) -> dict:
    """``release`` broken in the way ``kind`` names (see :data:`BREAKAGES`)."""
    tender = release.setdefault("tender", {"id": "t"})
    if kind == "date":
        release["date"] = "31/12/2024"
    elif kind == "codelist":
        tender["procurementMethod"] = "licitación"
    elif kind == "required":
        del release["id"]
    elif kind == "additional":
        tender["numeroDeExpediente"] = "EXP-2024-001"
    elif kind == "empty":
        tender["title"] = " "
        release["parties"][0]["roles"] = []
    elif kind == "placeholder":
        tender["description"] = "No Capturado"
    elif kind == "type":
        tender["value"] = {"amount": "1,000.00", "currency": "MXN"}
    elif kind == "duplicate_party":
        release["parties"].append({**release["parties"][0], "name": "Otra"})
    elif kind == "deprecated":
        tender["amendment"] = {"rationale": "Cambio de fechas"}
    elif kind == "mojibake":
        release["buyer"]["name"] = "SecretarÃ­a de AdministraciÃ³n y Finanzas"
    return release


def iter_broken_releases(count: int, every: int = 10, seed: int = 1) -> Iterator[dict]:
    """:func:`iter_releases` with one release in ``every`` broken, in turn in each way of :data:`BREAKAGES`."""
    for i, release in enumerate(iter_releases(count, seed)):
        if i % every == every - 1:
            release = break_release(release, BREAKAGES[(i // every) % len(BREAKAGES)])
        yield release


def write_package(count: int, path: str, seed: int = 1, broken_every: int = 0) -> None:
    """Write a release package of `count` releases to `path`, one release at a time (one in
    ``broken_every`` broken, when given)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"uri":"https://datos.cdmx.gob.mx/ocds/benchmark.json","version":"1.1",')
        f.write('"publishedDate":"2024-01-01T00:00:00-06:00",')
        f.write('"publisher":{"name":"Gobierno de la Ciudad de México","scheme":"MX-RFC","uid":"GDF9712054NA"},')
        f.write(
            '"license":"https://datos.cdmx.gob.mx/licencia","publicationPolicy":"https://datos.cdmx.gob.mx/politica",'
        )
        f.write('"releases":[')
        releases = iter_broken_releases(count, broken_every, seed) if broken_every else iter_releases(count, seed)
        for i, release in enumerate(releases):
            if i:
                f.write(",")
            f.write(json.dumps(release, ensure_ascii=False))
        f.write("]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_package(args.count, args.output, args.seed)


if __name__ == "__main__":
    main()
