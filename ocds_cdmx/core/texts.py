"""Messages made below the report layer that must still be shown in the user's language.

A :class:`Text` is the English text wherever a ``str`` is expected (the API, logs, tests), and keeps its
template (marked for the catalogs with ``N_``) and parameters, so that
:func:`ocds_cdmx.report.messages.localized` can put it in Spanish.
"""

from __future__ import annotations

from typing import Any


class Text(str):
    """An English message that remembers its template and parameters."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Text:
        self = super().__new__(cls, template.format(**params))
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple:
        # Errors that carry texts cross process boundaries: rebuilt from the template, not the English.
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)
