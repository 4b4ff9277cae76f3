"""``cdmx convert``: an agency's spreadsheet and its mapping → an OCDS release package.

:mod:`.mapping` loads and checks mapping files (the bundled ones are in ``mappings/``), :mod:`.plan`
compiles a loaded mapping into the typed, frozen plan that the rest works from, :mod:`.reader`
finds headers and stores rows, :mod:`.values` reads cells, :mod:`.build` makes releases, :mod:`.ocds_paths`
reads workbooks whose headers are OCDS paths, and :mod:`.pipeline` runs it all.
"""

from .pipeline import Incremental, convert
from .results import ConvertResult, SheetCount

__all__ = ["ConvertResult", "Incremental", "SheetCount", "convert"]
