"""What a running arflow holds: the settings, the database, the policy in force, the clock.

One ``Runtime`` per process (the service, the web app, a command):

    runtime = Runtime.load()                      # settings checked at load (SettingsError)
    runtime = Runtime.from_settings(settings)     # or over settings in hand (and an engine)
    runtime.settings                              # the typed, checked Settings
    runtime.engine                                # made once, migrated once (on first use)
    runtime.database(migrate=False)               # the engine, not (yet) migrated
    runtime.policy()                              # the policy files, else the last good one
    runtime.now(), runtime.today()                # the business clock (settings.timezone)

The pieces are functions too, for a shell that keeps its own caches: ``open_database`` (an
engine brought to the current schema: the one bootstrap) and ``load_policy_in_force``
("load the policy, else keep the last good one": the scheduler's and the web app's rule).
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from arflow.settings import Settings, load_settings
from ledger.db import Engine

if TYPE_CHECKING:
    from engine import Policy

log = logging.getLogger("arflow.runtime")


def migrate_database(engine: Engine) -> None:
    """Bring ``engine``'s database to the current schema (nothing if it is current).

    Under the migration lock (ledger/locks.py): another process migrating the same
    database is waited for, and its work is not done twice."""
    from ledger.migrate import current_revision, head_revision, upgrade

    before = current_revision(engine)
    if before == head_revision():
        return
    upgrade(engine, on_wait=lambda: log.info(
        "another process is migrating the database; waiting for it to finish"))
    after = current_revision(engine)
    if after != before:
        log.info("database migrated from %s to %s", before or "empty", after)


def open_database(url: str, *, migrate: bool = True) -> Engine:
    """The engine for ``url``, brought to the current schema unless ``migrate`` is False.

    An unreachable database raises (sqlalchemy's OperationalError), the engine disposed."""
    from ledger.db import make_engine

    engine = make_engine(url)
    if migrate:
        try:
            migrate_database(engine)
        except BaseException:
            engine.dispose()
            raise
    return engine


def load_policy_in_force(settings: Settings, engine: Engine) -> Policy | None:
    """The policy in ``settings.policy_dir``; if it does not load, the last good one (the
    one the last cycle ran with, with the challenger it ran with), with the error logged;
    None when there is none."""
    from engine import PolicyError, load_policy, load_policy_texts
    from ledger.cycle_store import last_good_files
    from ledger.db import session_scope

    try:
        return load_policy(settings.policy_dir)
    except PolicyError as exc:
        log.error("policy not loaded (%s); keeping the last good one", str(exc).splitlines()[0])
    with session_scope(engine) as session:
        files, challenger = last_good_files(session)  # the challenger: the last run's, if any
    if files is None:
        return None
    try:
        return load_policy_texts(files, challenger)
    except PolicyError as exc:  # it names a challenger whose files were never recorded
        log.error("the last good policy does not load either (%s)", str(exc).splitlines()[0])
        return None


class Runtime:
    """Settings, the database engine (made and migrated once), the policy in force and the
    business clock. Thread-safe: the scheduler's jobs run in threads."""

    def __init__(self, settings: Settings, engine: Engine | None = None, *,
                 migrated: bool = False) -> None:
        self.settings = settings
        self._engine = engine
        self._migrated = migrated
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None, *,
                      migrated: bool = False) -> Runtime:
        """Over ``settings``; ``engine``: one already made (else made on first use from
        ``settings.database_url``), ``migrated``: known to be at the current schema."""
        return cls(settings, engine, migrated=migrated)

    @classmethod
    def load(cls, home: Path | None = None) -> Runtime:
        """Over the settings of ``home`` (ARFLOW_HOME, else the working directory),
        every section checked (SettingsError)."""
        return cls(load_settings(home))

    def database(self, migrate: bool = True) -> Engine:
        """The engine, made once; with ``migrate`` brought to the current schema on the
        first call that asks (an unreachable database raises; the next call tries again)."""
        with self._lock:
            if self._engine is None:
                self._engine = open_database(self.settings.database_url, migrate=False)
            if migrate and not self._migrated:
                migrate_database(self._engine)
                self._migrated = True
            return self._engine

    @property
    def engine(self) -> Engine:
        """The database engine, made and migrated once."""
        return self.database()

    def policy(self) -> Policy | None:
        """The policy in force: the files, else the last good one (``load_policy_in_force``)."""
        return load_policy_in_force(self.settings, self.engine)

    def now(self) -> datetime:
        return self.settings.now()

    def today(self) -> date:
        """The business date in the configured timezone."""
        return self.settings.today()

    def business_day(self, moment: datetime) -> date:
        return self.settings.business_day(moment)

    def close(self) -> None:
        """Dispose of the engine's connections (one made here, or handed in)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
