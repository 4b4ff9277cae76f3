"""``cdmx site``: the portal where citizens follow the city's contracts, as static files.

:mod:`.sources` reads what the site is built from (:mod:`.publication` knows the layout of the folder
``cdmx publish`` writes), :mod:`.model` reads each record, :mod:`.searchindex` splits the search index,
:mod:`.build` renders the templates (``templates/``) and copies the styles and scripts (``static/``).
"""

from .build import SiteResult, build_site
from .sources import Download, PublicationInfo, RecordInput, RecordsFile, Source, open_source

__all__ = [
    "Download",
    "PublicationInfo",
    "RecordInput",
    "RecordsFile",
    "SiteResult",
    "Source",
    "build_site",
    "open_source",
]
