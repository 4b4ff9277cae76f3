"""ocds-cdmx: publish and check Mexico City's procurement data as OCDS 1.1.

The command line (``cdmx``) is a thin shell over these functions:

- :func:`validate`: every problem in OCDS release or record packages.
"""

from .validate import ValidationResult, validate

__all__ = ["ValidationResult", "validate"]
__version__ = "0.1.0"
