"""The two formats the Review Tool checks stay checked, with MIT libraries only (no GPL rfc3987)."""

from __future__ import annotations

import json

from ocds_cdmx import validate
from ocds_cdmx.validation.formats import date_time_ok, format_checker, uri_ok

from .conftest import ROOT


def test_date_time_and_uri_rules():
    assert date_time_ok("2024-03-15T10:00:00-06:00")
    assert date_time_ok("2024-03-15t10:00:00z")
    assert not date_time_ok("2024-03-15")
    assert not date_time_ok("2015-10-14T00:00:00.-06:00")  # the city's 2015 data
    assert uri_ok("https://datos.cdmx.gob.mx/ocds/records.json")
    assert not uri_ok("datos.cdmx.gob.mx/ocds")
    assert not uri_ok("https://example.com/a b")
    assert set(format_checker().checkers) == {"date-time", "uri"}


def test_validation_reports_bad_dates_and_uris(tmp_path):
    release = {
        "ocid": "ocds-87sd3t-1",
        "id": "1",
        "date": "2015-10-14T00:00:00.-06:00",
        "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": "1", "documents": [{"id": "1", "url": "www.cdmx.gob.mx/convocatoria.pdf"}]},
    }
    package = {"uri": "https://example.com/p.json", "publishedDate": "2024-01-01T00:00:00Z", "version": "1.1",
               "publisher": {"name": "CDMX"}, "releases": [release]}  # fmt: skip
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    found = {(g.check, g.params.get("type"), g.field) for g in validate(path).findings.groups.values()}
    assert ("schema", "date-time", "releases/date") in found
    assert ("schema", "uri", "releases/tender/documents/url") in found


def test_the_package_does_not_depend_on_rfc3987():
    setup = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    runtime = setup.split("install_requires =", 1)[1].split("\n[", 1)[0]
    assert "rfc3987" not in runtime
    assert "rfc3986-validator" in runtime
