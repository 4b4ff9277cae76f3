"""The words of the site, in English here and in Spanish in the catalog
``report/locale/es/LC_MESSAGES/ocds_cdmx_site.po`` (``python tools/i18n.py update`` extracts them from
this module and from the templates; a test fails on a missing translation).

Every page carries both languages: Spanish is shown, English waits in elements marked ``lang="en"``,
and the language switch (``static/js/sitio.js``) swaps them without loading another page, so that the
site stays one set of files (100,000 process pages, not 200,000) and works from ``file://``.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..report.messages import LOCALE_DIR, N_

DOMAIN = "ocds_cdmx_site"


@functools.cache
def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def translate(message: str, lang: str) -> str:
    """``message`` (English) in ``lang``."""
    return _catalog(lang).gettext(message) if message else message


@dataclass(frozen=True, slots=True)
class Bi:
    """A text in both languages."""

    es: str
    en: str

    def __html__(self) -> str:
        if self.es == self.en:
            return str(escape(self.es))
        return f'<span class="es">{escape(self.es)}</span><span class="en" lang="en">{escape(self.en)}</span>'

    def attr(self, name: str) -> Markup:
        """``name="español" data-en-name="English"``, for attributes (the switch swaps them)."""
        if self.es == self.en:
            return Markup(f'{name}="{escape(self.es)}"')
        return Markup(f'{name}="{escape(self.es)}" data-en-{name}="{escape(self.en)}"')

    def text_attr(self) -> Markup:
        """``data-en="English"``, for elements that hold text only (``<option>``, ``<title>``)."""
        return Markup("" if self.es == self.en else f'data-en="{escape(self.en)}"')

    def format(self, **params: object) -> Bi:
        return Bi(self.es.format(**params), self.en.format(**params))


@functools.lru_cache(maxsize=2048)
def bi(message: str) -> Bi:
    """``message`` in both languages."""
    return Bi(translate(message, "es"), message)


def both(message: str, **params: object) -> Bi:
    return bi(message).format(**params) if params else bi(message)


# Codes of the OCDS codelists the pages show, in English (OCDS's titles); Spanish in the catalog.
CODES: dict[str, dict[str, str]] = {
    "method": {
        "open": N_("Open tender"),
        "selective": N_("Selective tender"),
        "limited": N_("Restricted invitation"),
        "direct": N_("Direct award"),
        "": N_("Not stated"),
    },
    "category": {
        "goods": N_("Goods"),
        "services": N_("Services"),
        "works": N_("Works"),
        "": N_("Not stated"),
    },
    "stage": {
        "planning": N_("Planning"),
        "tender": N_("Tender"),
        "award": N_("Award"),
        "contract": N_("Contract"),
        "implementation": N_("Implementation"),
    },
    "role": {
        "buyer": N_("Buyer"),
        "procuringEntity": N_("Procuring entity"),
        "supplier": N_("Supplier"),
        "tenderer": N_("Tenderer"),
        "payer": N_("Payer"),
        "payee": N_("Payee"),
        "funder": N_("Funder"),
        "enquirer": N_("Enquirer"),
        "reviewBody": N_("Review body"),
        "interestedParty": N_("Interested party"),
    },
    "status": {
        "planning": N_("Planning"),
        "planned": N_("Planned"),
        "active": N_("Active"),
        "cancelled": N_("Cancelled"),
        "unsuccessful": N_("Unsuccessful"),
        "complete": N_("Complete"),
        "withdrawn": N_("Withdrawn"),
        "pending": N_("Pending"),
        "terminated": N_("Terminated"),
        "valid": N_("Valid"),
        "disqualified": N_("Disqualified"),
        "invited": N_("Invited"),
        "met": N_("Met"),
        "notMet": N_("Not met"),
        "scheduled": N_("Scheduled"),
        "partiallyMet": N_("Partially met"),
    },
    "tag": {
        "planning": N_("Planning"),
        "planningUpdate": N_("Planning update"),
        "tender": N_("Tender"),
        "tenderAmendment": N_("Tender amendment"),
        "tenderUpdate": N_("Tender update"),
        "tenderCancellation": N_("Tender cancellation"),
        "award": N_("Award"),
        "awardUpdate": N_("Award update"),
        "awardCancellation": N_("Award cancellation"),
        "contract": N_("Contract"),
        "contractUpdate": N_("Contract update"),
        "contractAmendment": N_("Contract amendment"),
        "implementation": N_("Implementation"),
        "implementationUpdate": N_("Implementation update"),
        "contractTermination": N_("Contract termination"),
        "compiled": N_("Compiled"),
    },
    "section": {
        "planning": N_("Planning"),
        "tender": N_("Tender"),
        "awards": N_("Awards"),
        "contracts": N_("Contracts"),
        "parties": N_("Parties"),
        "buyer": N_("Buyer"),
        "bids": N_("Bids"),
        "relatedProcesses": N_("Related processes"),
        "": N_("Process"),
    },
    "document": {
        "procurementPlan": N_("Procurement plan"),
        "tenderNotice": N_("Tender notice"),
        "awardNotice": N_("Award notice"),
        "contractSigned": N_("Signed contract"),
        "contractNotice": N_("Contract notice"),
        "evaluationReports": N_("Evaluation report"),
        "technicalSpecifications": N_("Technical specifications"),
        "contractGuarantees": N_("Guarantees"),
        "completionCertificate": N_("Completion certificate"),
        "physicalProgressReport": N_("Physical progress report"),
        "financialProgressReport": N_("Financial progress report"),
        "clarifications": N_("Clarifications"),
        "biddingDocuments": N_("Bidding documents"),
        "contractAnnexe": N_("Contract annex"),
        "contractArrangements": N_("Contract arrangements"),
        "minutes": N_("Minutes"),
        "x_amendment": N_("Amendment"),
    },
    "change": {
        "new": N_("new"),
        "changed": N_("changed"),
        "removed": N_("removed"),
    },
}


def code(table: str, value: str | None) -> Bi:
    """The name of a code for people; the code itself when the table does not know it."""
    message = CODES[table].get(value or "")
    return bi(message) if message else Bi(value or "", value or "")


#: Texts the search page's script writes, by key (static/js/buscar.js reads them from textos.js).
SCRIPT_TEXTS: dict[str, str] = {
    "results": N_("{count} processes found"),
    "one_result": N_("1 process found"),
    "no_results": N_("No process matches. Try fewer words, or remove a filter."),
    "loading": N_("Searching…"),
    "more": N_("Show more results"),
    "shown": N_("Showing {shown} of {count}"),
    "supplier": N_("Supplier"),
    "amount": N_("Amount"),
    "date": N_("Date"),
    "agency": N_("Agency"),
    "stage": N_("Stage reached"),
    "method": N_("Procedure"),
    "no_amount": N_("no amount published"),
    "took": N_("{ms} ms"),
    "failed": N_("The search index could not be read. Is the whole site folder there?"),
}

#: The fields that make a publication useful, and how an agency's coverage of them is measured: the
#: share of its processes in which each is present (see :func:`ocds_cdmx.site.model.coverage`).
COVERAGE: dict[str, str] = {
    "title": N_("Title of the process"),
    "method": N_("Procedure type"),
    "category": N_("Category (goods, services, works)"),
    "budget": N_("Budget (planning)"),
    "tender_value": N_("Estimated value (tender)"),
    "tender_period": N_("Tender period"),
    "tenderers": N_("Tenderers or quotes"),
    "supplier_rfc": N_("Suppliers with their RFC"),
    "award_value": N_("Award value"),
    "award_date": N_("Award date"),
    "contract_value": N_("Contract value"),
    "contract_signed": N_("Date the contract was signed"),
    "contract_period": N_("Contract period"),
    "documents": N_("Documents"),
    "payments": N_("Payments"),
}
