"""Every table of the store, one module per area; importing this package registers them all.

The registry (enterprises and their data) is in ``registry``; each engine area keeps its own
tables in a module named after it, so that ``Base.metadata`` always holds the whole schema
that Alembic compares against.
"""

from . import auth, chains, matching, runs  # noqa: F401  (registers their tables)
from .base import NAMING, Base, utcnow
from .registry import (
    AuditEntry,
    CreditCodeVerification,
    District,
    Enterprise,
    EnterpriseYear,
    ImportBatch,
    IPRight,
    Park,
    Platform,
    Provenance,
    Target,
    TechContract,
)

__all__ = [
    "NAMING", "AuditEntry", "Base", "CreditCodeVerification", "District", "Enterprise",
    "EnterpriseYear", "ImportBatch", "IPRight", "Park", "Platform", "Provenance", "Target",
    "TechContract", "utcnow",
]  # fmt: skip
