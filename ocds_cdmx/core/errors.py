"""Every error the toolkit raises for people: one base class, a message key and its parameters.

An error says *what* went wrong as data (``key``, ``source``, ``params``); only
:mod:`ocds_cdmx.report.messages` turns it into words, in Spanish or English. Errors cross process
boundaries (worker processes send them back), so they pickle from their fields, whatever the subclass.
"""

from __future__ import annotations

from typing import Any


class CdmxError(Exception):
    """An error for people. ``key`` names its message; ``source`` is the file (or ``""``); ``params``
    fill the message in."""

    #: The message key used when none is given (subclasses with one kind of problem set it).
    default_key = "error"

    def __init__(self, key: str | None = None, source: str = "", **params: Any) -> None:
        self.key = key or self.default_key
        self.source = source
        self.params = params
        super().__init__(f"{source}: {self.key} {params}" if source else f"{self.key} {params}")

    def __reduce__(self) -> tuple:
        # Rebuilt from the fields, not from ``args``, so that every subclass pickles the same way.
        return (_rebuild, (type(self), self.key, self.source, self.params))


def _rebuild(cls: type[CdmxError], key: str, source: str, params: dict) -> CdmxError:
    error = cls.__new__(cls)
    CdmxError.__init__(error, key, source, **params)
    return error


class InputError(CdmxError):
    """Input that cannot be read: a file, a directory entry, standard input, an encoding."""


class WorkbookError(InputError):
    """A file that cannot be read as a spreadsheet."""


class ColumnsError(InputError):
    """A sheet whose header row lacks mapped columns, or has one label twice."""


class OutputError(CdmxError):
    """An output that cannot be written: a directory, a device, a full or read-only disk."""


class SchemaError(CdmxError):
    """A schema file that cannot be found or read."""


class VersionError(InputError):
    """Data that declares an OCDS version no schema exists for."""

    default_key = "version"


class MappingError(CdmxError):
    """A mapping that cannot be used. ``params["problems"]`` lists ``(line, message)`` pairs."""

    default_key = "mapping"

    @property
    def problems(self) -> list[tuple[int | None, str]]:
        return self.params.get("problems", [])


class ValueProblem(CdmxError, ValueError):
    """A cell that cannot be read as ``expected`` (a key into the messages)."""

    default_key = "value_unreadable"

    @property
    def expected(self) -> str:
        return self.params.get("expected", "")


class ConfigError(CdmxError):
    """A publication configuration that cannot be used. ``params["problems"]`` lists ``(line, message)``."""

    default_key = "config"

    @property
    def problems(self) -> list[tuple[int | None, str]]:
        return self.params.get("problems", [])


class StoreError(CdmxError):
    """The store of published releases cannot be opened, read or written (a file, a PostgreSQL server)."""


class Problem(str):
    """One problem of a mapping or a configuration, as data: its English text (a ``str``, for logs and
    tests) with the message ``key`` and ``params`` that :mod:`ocds_cdmx.report.messages` words in
    either language."""

    key: str
    params: dict

    def __new__(cls, key: str, english: str, **params: Any) -> Problem:
        problem = super().__new__(cls, english)
        problem.key = key
        problem.params = params
        return problem

    def __reduce__(self) -> tuple:
        return (_problem, (self.key, str(self), self.params))


def _problem(key: str, english: str, params: dict) -> Problem:
    return Problem(key, english, **params)
