"""``cdmx publish``: every agency's night → new releases where something changed → the store → the publication.

:mod:`.config` reads ``publicacion.yaml``, :mod:`.store` keeps every release ever published (SQLite or
PostgreSQL), :mod:`.changes` decides what a night publishes for each process, :mod:`.night` runs one
agency's night, :mod:`.build` makes the publication directory from the store (:mod:`.records`,
:mod:`.tables`, :mod:`.downloads`, :mod:`.feeds`; paths in :mod:`.layout`), and :mod:`.pipeline` runs it all.
"""

from .pipeline import publish
from .results import AgencyResult, PublishResult

__all__ = ["AgencyResult", "PublishResult", "publish"]
