"""The OCDS schemas: where they are (:mod:`.store`), what one package is checked against (:mod:`.profile`),
and how to walk them (:mod:`.walk`)."""

from .profile import Codelist, ExtensionStatus, Profile, fetch, load_profile
from .store import TAGS, Located, SchemaStore

__all__ = ["TAGS", "Codelist", "ExtensionStatus", "Located", "Profile", "SchemaStore", "fetch", "load_profile"]
