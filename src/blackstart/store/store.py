"""Opening, migrating and querying the store.

:func:`open_store` creates the engine, applies the Alembic migrations shipped in
``blackstart/store/migrations`` (``upgrade head``) and returns a :class:`Store`. Rows come
back as frozen dataclasses, detached from any session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from blackstart.errors import BlackstartError
from blackstart.store.tables import ModelVersion, SavedWhatIf

DEFAULT_FILE = "blackstart.db"


class StoreError(BlackstartError):
    """The store cannot be opened, or a write conflicts (e.g. a name already taken)."""

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        self.message = message
        self.suggestion = suggestion
        super().__init__(message + (f" — {suggestion}" if suggestion else ""))


def sweep_url() -> str:
    """SQLite URL of the sweeps' default store: ``sweeps.db`` in the user's data
    directory (platformdirs), so that a sweep leaves nothing in the working directory."""
    import platformdirs

    return default_url(platformdirs.user_data_dir("blackstart", appauthor=False), "sweeps.db")


def default_url(directory: str | Path = ".", name: str = "") -> str:
    """SQLite URL of the default store file, ``blackstart.db`` in ``directory``."""
    return f"sqlite:///{(Path(directory) / (name or DEFAULT_FILE)).resolve()}"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ModelVersionRow:
    """A model version the store has seen."""

    hash: str
    name: str
    loaded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"hash": self.hash, "name": self.name, "loaded_at": self.loaded_at.isoformat()}


@dataclass(frozen=True)
class SavedWhatIfRow:
    """A saved what-if scenario."""

    name: str
    fail: tuple[str, ...]
    duration: str | None
    model_hash: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fail": list(self.fail),
            "duration": self.duration,
            "model_hash": self.model_hash,
            "created_at": self.created_at.isoformat(),
        }


def _saved(row: SavedWhatIf) -> SavedWhatIfRow:
    return SavedWhatIfRow(
        row.name,
        tuple(str(x) for x in row.fail),
        row.duration,
        row.model_hash,
        _aware(row.created_at),
    )


def migrations_config(engine: Engine) -> Config:
    """Alembic configuration pointing at the packaged migrations, bound to ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("blackstart.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


class Store:
    """The dashboard's database, migrated to the latest schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def path(self) -> str | None:
        """The SQLite file, or ``None`` for a server database."""
        url = self.engine.url
        return url.database if url.get_backend_name() == "sqlite" else None

    def migrate(self) -> None:
        """Apply every pending migration (``alembic upgrade head``)."""
        command.upgrade(migrations_config(self.engine), "head")

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self._session()

    # ------------------------------------------------------------------ model versions

    def record_model(self, model_hash: str, name: str) -> ModelVersionRow:
        """Remember a model version (once per hash); return its row."""
        with self.session() as s, s.begin():
            row = s.scalars(select(ModelVersion).where(ModelVersion.hash == model_hash)).first()
            if row is None:
                row = ModelVersion(hash=model_hash, name=name, loaded_at=datetime.now(UTC))
                s.add(row)
            return ModelVersionRow(row.hash, row.name, _aware(row.loaded_at))

    def model_versions(self) -> list[ModelVersionRow]:
        """Every model version seen, oldest first."""
        with self.session() as s:
            rows = s.scalars(select(ModelVersion).order_by(ModelVersion.id)).all()
            return [ModelVersionRow(r.hash, r.name, _aware(r.loaded_at)) for r in rows]

    # ------------------------------------------------------------------ saved what-ifs

    def save_what_if(
        self,
        name: str,
        fail: list[str],
        duration: str | None,
        *,
        model_hash: str | None,
        by: str = "anonymous",
    ) -> SavedWhatIfRow:
        """Save a what-if, with its audit entry by ``by``; :class:`StoreError` if the
        name is taken."""
        from blackstart.store import audit_chain

        row = SavedWhatIf(
            name=name,
            fail=list(fail),
            duration=duration,
            model_hash=model_hash,
            created_at=datetime.now(UTC),
        )
        try:
            with self.session() as s, s.begin():
                s.add(row)
                s.flush()
                after = {"name": name, "fail": list(fail), "duration": duration}
                audit_chain.append(
                    s, row.created_at, by, "what-if.save", f"what-if:{name}", None, after
                )
        except IntegrityError:
            raise StoreError(
                f"a what-if named '{name}' is already saved", suggestion="choose another name"
            ) from None
        return _saved(row)

    def saved_what_ifs(self) -> list[SavedWhatIfRow]:
        """Every saved what-if, by name."""
        with self.session() as s:
            return [_saved(r) for r in s.scalars(select(SavedWhatIf).order_by(SavedWhatIf.name))]

    def saved_what_if(self, name: str) -> SavedWhatIfRow | None:
        """One saved what-if by name, or ``None``."""
        with self.session() as s:
            row = s.scalars(select(SavedWhatIf).where(SavedWhatIf.name == name)).first()
            return None if row is None else _saved(row)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the store at ``url`` (default: :func:`default_url`) and migrate it. A plain
    path (no ``scheme://``) is a SQLite file.

    The SQLite file and its directory are created if missing.
    """
    url = url or default_url()
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"cannot read database URL {url!r}",
            suggestion="use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB",
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:  # missing driver, bad options
        raise StoreError(f"cannot open database {parsed!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        _sqlite_pragmas(engine)
    store = Store(engine)
    if migrate:
        store.migrate()
    return store
