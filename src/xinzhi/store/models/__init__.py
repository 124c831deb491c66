"""Every table of the store, one module per area; importing this package registers them all.

The registry (enterprises and their data) is in ``registry``; each engine area keeps its own
tables in a module named after it, so that ``Base.metadata`` always holds the whole schema
that Alembic compares against.
"""

from . import auth, chains, compute, imports, matching, runs, search, tracks  # noqa: F401  (registers their tables)
from .base import NAMING, Base, utcnow
from .imports import ImportMapping
from .registry import (
    AuditEntry,
    Award,
    CreditCodeVerification,
    District,
    Enterprise,
    EnterpriseYear,
    FinancingRound,
    ImportBatch,
    Incident,
    InnovationReview,
    IPRight,
    Park,
    Platform,
    Provenance,
    Standard,
    Target,
    TechContract,
)

__all__ = [
    "NAMING",
    "AuditEntry",
    "Award",
    "Base",
    "CreditCodeVerification",
    "District",
    "Enterprise",
    "EnterpriseYear",
    "FinancingRound",
    "IPRight",
    "ImportBatch",
    "ImportMapping",
    "Incident",
    "InnovationReview",
    "Park",
    "Platform",
    "Provenance",
    "Standard",
    "Target",
    "TechContract",
    "utcnow",
]
