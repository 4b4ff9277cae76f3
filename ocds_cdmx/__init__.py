"""ocds-cdmx: publish and check Mexico City's procurement data as OCDS 1.1.

The command line (``cdmx``) is a thin shell over these functions:

- :func:`validate`: every problem in OCDS release or record packages.
- :func:`merge`: release packages from every agency and night → record packages.
"""

from .merge import MergeResult, merge
from .validate import ValidationResult, validate

__all__ = ["MergeResult", "ValidationResult", "merge", "validate"]
__version__ = "0.1.0"
