"""The dashboard's store: model versions seen, saved what-if scenarios and
risk sweep results (:mod:`blackstart.store.sweeps`).

Owns the database schema (SQLAlchemy 2 tables), its Alembic migrations (shipped in the
package and applied when the store is opened) and the few queries the web front end
needs. SQLite by default, PostgreSQL with a ``postgresql+psycopg://`` URL. Does not know
about HTTP, and does not check references against a model (the caller does).
"""

from blackstart.store import diagnose as diagnose  # registers the tables (migration 0005)
from blackstart.store import incident_tables as incident_tables  # registers the tables
from blackstart.store import maintenance as maintenance  # registers the table (migration 0008)
from blackstart.store.store import (
    ModelVersionRow,
    SavedWhatIfRow,
    Store,
    StoreError,
    default_url,
    open_store,
)
from blackstart.store.sweeps import SweepRow
from blackstart.store.tables import Base, ModelVersion, SavedWhatIf, SweepResult, SweepRun

__all__ = [
    "Base",
    "ModelVersion",
    "ModelVersionRow",
    "SavedWhatIf",
    "SavedWhatIfRow",
    "Store",
    "StoreError",
    "SweepResult",
    "SweepRow",
    "SweepRun",
    "default_url",
    "open_store",
]
