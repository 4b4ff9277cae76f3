"""Realistic generated records for the site's tests and benchmark: many processes, few suppliers.

Each process has one cumulative release per stage it reached (as ``cdmx convert`` writes them), some
a later correction (an amended amount, a contract amendment, a removed value), and its record is merged
with the toolkit's merge (compiled and versioned releases). Suppliers come from a pool in which a few
win often, as in the city's real data, so that supplier pages add up many processes. Deterministic
for a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ocds_cdmx.merging.compile import compiled_release_fast, rules_from_schema, versioned_release_fast

OFFSET = timezone(timedelta(hours=-6))
AGENCIES = [
    ("SAF", "Secretaría de Administración y Finanzas"),
    ("SOBSE", "Secretaría de Obras y Servicios"),
    ("SEDEMA", "Secretaría del Medio Ambiente"),
    ("SEDECO", "Secretaría de Desarrollo Económico"),
    ("SSC", "Secretaría de Seguridad Ciudadana"),
    ("SEDESA", "Secretaría de Salud"),
    ("SEMOVI", "Secretaría de Movilidad"),
    ("SECTEI", "Secretaría de Educación, Ciencia, Tecnología e Innovación"),
    ("SACMEX", "Sistema de Aguas de la Ciudad de México"),
    ("STC", "Sistema de Transporte Colectivo"),
    ("DIF", "Sistema para el Desarrollo Integral de la Familia"),
    ("CULTURA", "Secretaría de Cultura"),
]
METHODS = [
    ("direct", "Adjudicación directa", 6),
    ("limited", "Invitación restringida", 2),
    ("open", "Licitación pública", 2),
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
    "bombeo",
    "drenaje",
    "escuelas",
    "hospitales",
    "patrullas",
    "uniformes",
    "medicamentos",
    "luminarias",
    "banquetas",
    "mercados",
    "parques",
    "bibliotecas",
]
STAGES = ["planning", "tender", "award", "contract", "implementation"]
NAMES = [
    "Grupo",
    "Servicios",
    "Construcciones",
    "Comercializadora",
    "Tecnología",
    "Integral",
    "Consorcio",
    "Distribuidora",
    "Ingeniería",
    "Soluciones",
    "Proveedora",
    "Industrias",
]


def rules(schema_dir: Path):
    """The OCDS 1.1 merge rules of the release schema in ``schema_dir``."""
    schema = json.loads((schema_dir / "1__1__5" / "release-schema.json").read_text(encoding="utf-8"))
    return rules_from_schema(schema)


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def suppliers(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` distinct (RFC, name) pairs."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    seen: set[str] = set()
    out = []
    while len(out) < n:
        rfc = (
            "".join(rng.choice(letters) for _ in range(3))
            + f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(3))
        )
        if rfc not in seen:
            seen.add(rfc)
            out.append((rfc, f"{rng.choice(NAMES)} {_text(rng, 1)} {rng.choice(NAMES)} S.A. de C.V."))
    return out


def _pick(rng: random.Random, pool: list) -> tuple[str, str]:
    if rng.random() < 0.7:  # a few suppliers win often
        return pool[min(int(rng.paretovariate(0.9)) - 1, len(pool) - 1)]
    return pool[rng.randrange(len(pool))]


def process_releases(rng: random.Random, number: int, pool: list[tuple[str, str]]) -> list[dict]:
    """The releases of one process, in date order."""
    key, agency = AGENCIES[min(int(rng.paretovariate(1.2)) - 1, len(AGENCIES) - 1)]
    method, details, _ = rng.choices(METHODS, weights=[m[2] for m in METHODS])[0]
    year = 2019 + number % 7
    ocid = f"ocds-87sd3t-{key}-{method[:2].upper()}-{number:06d}-{year}"
    base = datetime(year, rng.randint(1, 11), rng.randint(1, 28), 10, 0, tzinfo=OFFSET)
    reached = rng.choices(range(5), weights=[1, 2, 2, 6, 9])[0]
    buyer = {"id": f"CDMX-{key}", "name": agency}
    buyer_party = {
        "id": buyer["id"],
        "name": agency,
        "identifier": {"scheme": "MX-RFC", "id": "GDF9712054NA", "legalName": "Gobierno de la Ciudad de México"},
        "roles": ["buyer", "procuringEntity", "payer"],
    }
    bidders = list(dict.fromkeys(_pick(rng, pool) for _ in range(1 if method == "direct" else rng.randint(2, 4))))
    winner = bidders[0]
    amount = round(rng.lognormvariate(13, 1.3), 2)
    title = _text(rng, rng.randint(3, 6))
    release: dict = {
        "ocid": ocid,
        "initiationType": "tender",
        "language": "es",
        "buyer": buyer,
        "parties": [buyer_party],
        "planning": {
            "budget": {
                "description": "Recursos fiscales",
                "amount": {"amount": round(amount * 1.15, 2), "currency": "MXN"},
            },
            "rationale": title,
        },
    }
    out = []
    for index in range(reached + 1):
        stage = STAGES[index]
        date = base + timedelta(days=20 * index)
        if stage == "tender":
            release["tender"] = {
                "id": f"{key}/{method[:2].upper()}-{number:06d}/{year}",
                "title": title,
                "description": _text(rng, 12),
                "status": "complete" if reached > 1 else "active",
                "procuringEntity": buyer,
                "value": {"amount": amount, "currency": "MXN"},
                "procurementMethod": method,
                "procurementMethodDetails": details,
                "mainProcurementCategory": rng.choice(CATEGORIES),
                "tenderPeriod": {"startDate": date.isoformat(), "endDate": (date + timedelta(days=10)).isoformat()},
                "tenderers": [{"id": f"MX-RFC-{r}", "name": n} for r, n in bidders],
                "documents": [
                    {
                        "id": "t1",
                        "documentType": "tenderNotice",
                        "title": "Convocatoria",
                        "url": f"https://transparencia.cdmx.gob.mx/{key}/{number}/convocatoria.pdf",
                    }
                ],
            }
            release["parties"] = [buyer_party] + [
                {
                    "id": f"MX-RFC-{r}",
                    "name": n,
                    "identifier": {"scheme": "MX-RFC", "id": r, "legalName": n},
                    "roles": ["tenderer"],
                }
                for r, n in bidders
            ]
            if len(bidders) > 1:
                release["bids"] = {
                    "details": [
                        {
                            "id": str(i + 1),
                            "status": "valid",
                            "tenderers": [{"id": f"MX-RFC-{r}", "name": n}],
                            "value": {"amount": round(amount * (1 + 0.04 * i), 2), "currency": "MXN"},
                        }
                        for i, (r, n) in enumerate(bidders)
                    ]
                }
        elif stage == "award":
            for party in release["parties"]:
                if party["id"] == f"MX-RFC-{winner[0]}":
                    party["roles"] = ["tenderer", "supplier", "payee"]
            release["awards"] = [
                {
                    "id": f"{ocid}-award-1",
                    "status": "active",
                    "date": date.isoformat(),
                    "value": {"amount": amount, "currency": "MXN"},
                    "suppliers": [{"id": f"MX-RFC-{winner[0]}", "name": winner[1]}],
                }
            ]
        elif stage == "contract":
            release["contracts"] = [
                {
                    "id": f"CS-{number:06d}-{year}",
                    "awardID": f"{ocid}-award-1",
                    "title": f"CS-{number:06d}-{year}",
                    "status": "active",
                    "dateSigned": date.isoformat(),
                    "period": {"startDate": date.isoformat(), "endDate": (date + timedelta(days=120)).isoformat()},
                    "value": {"amount": amount, "currency": "MXN"},
                    "documents": [
                        {
                            "id": "c1",
                            "documentType": "contractSigned",
                            "title": "Contrato",
                            "url": f"https://transparencia.cdmx.gob.mx/{key}/{number}/contrato.pdf",
                        }
                    ],
                }
            ]
        elif stage == "implementation":
            parts = rng.randint(1, 3)
            release["contracts"][0]["implementation"] = {
                "transactions": [
                    {
                        "id": f"CLC{number:06d}{k}-{year}",
                        "date": (date + timedelta(days=30 * k)).isoformat(),
                        "value": {"amount": round(amount / parts, 2), "currency": "MXN"},
                        "payer": buyer,
                        "payee": {"id": f"MX-RFC-{winner[0]}", "name": winner[1]},
                    }
                    for k in range(parts)
                ]
            }
        snapshot = json.loads(json.dumps(release))
        snapshot.update(id=f"{ocid}-{stage}", date=date.isoformat(), tag=[stage])
        out.append(snapshot)
    if reached >= 3 and rng.random() < 0.15:  # a correction: a new amount, an amendment, a value removed
        corrected = json.loads(json.dumps(out[-1]))
        contract = corrected["contracts"][0]
        contract["value"] = {"amount": round(amount * 1.1, 2), "currency": "MXN"}
        contract["amendments"] = [
            {"id": "1", "date": (base + timedelta(days=200)).isoformat(), "rationale": "Ampliación del monto (10 %)"}
        ]
        contract["period"]["endDate"] = None
        corrected.update(
            id=f"{ocid}-contract-2", date=(base + timedelta(days=200)).isoformat(), tag=["contractAmendment"]
        )
        out.append(corrected)
    return out


def _link(release: dict) -> dict:
    night = release["date"][:10]
    agency = release["buyer"]["id"].removeprefix("CDMX-")
    url = f"https://datos.cdmx.gob.mx/ocds/releases/{agency}/{night}.json#{release['id']}"
    return {"url": url, "date": release["date"], "tag": release["tag"]}


def iter_records(
    start: int, stop: int, count: int, merge_rules, *, seed: int = 7, linked: bool = True
) -> Iterator[dict]:
    """Records ``start`` to ``stop`` (1-based) of ``count``: linked releases (as ``cdmx publish`` writes
    them) or embedded ones, compiled and versioned releases."""
    pool = suppliers(random.Random(seed), max(50, count // 12))
    for number in range(start, stop):
        rng = random.Random(seed * 1_000_003 + number)
        releases = process_releases(rng, number, pool)
        yield {
            "ocid": releases[0]["ocid"],
            "releases": [_link(r) for r in releases] if linked else releases,
            "compiledRelease": compiled_release_fast(releases, merge_rules),
            "versionedRelease": versioned_release_fast(releases, merge_rules),
        }


def _write_part(task: tuple) -> str:
    path, start, stop, count, schema_dir, seed, linked = task
    merge_rules = rules(Path(schema_dir))
    with open(path, "w", encoding="utf-8") as f:
        for record in iter_records(start, stop, count, merge_rules, seed=seed, linked=linked):
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
    return path


def write_records(
    path: Path, count: int, schema_dir: Path, *, seed: int = 7, linked: bool = True, jobs: int = 2
) -> Path:
    """JSON Lines of ``count`` records, as ``cdmx merge --versioned --format jsonl`` writes them
    (the same bytes whatever ``jobs``)."""
    import multiprocessing
    import shutil

    bounds = [1 + count * i // jobs for i in range(jobs + 1)]
    tasks = [(f"{path}.{i}", bounds[i], bounds[i + 1], count, str(schema_dir), seed, linked) for i in range(jobs)]
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_write_part, tasks)
    else:
        parts = [_write_part(t) for t in tasks]
    with open(path, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out)
            Path(part).unlink()
    return path
