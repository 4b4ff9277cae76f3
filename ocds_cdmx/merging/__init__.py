"""``cdmx merge``: releases → records, as the OCDS merge rules and ``ocdskit compile`` define them.

:mod:`.compile` holds the merge rules and algorithm, :mod:`.upgrade` the OCDS 1.0 → 1.1 upgrade,
:mod:`.records` merges one OCID (and updates existing records), and :mod:`.pipeline` runs it all.
"""

from .pipeline import STRATEGIES, MergeResult, merge

__all__ = ["STRATEGIES", "MergeResult", "merge"]
