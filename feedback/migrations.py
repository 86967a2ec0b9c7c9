"""Every piece of DDL of the feedback database, as an ordered tuple of named migrations.

Each migration runs once, in its own transaction together with the row that records it in
`schema_migrations`, so a fresh database and an old one take the same path (simonw/llm style). Never edit a
migration that has shipped; add the next one.

Constraints live in the database where DuckDB enforces them well (primary keys, NOT NULL, CHECKs on roles,
rater kinds, stars 1-5 and thumbs-xor-stars). Foreign keys are deliberately absent: DuckDB cannot delete a
parent row and its children in one transaction when a foreign key links them, which would make purges
non-atomic; the ingester checks references instead and rejects orphans into `rejected_events`.
All timestamps are TIMESTAMP in UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import duckdb

from feedback.errors import SchemaError


def m001_initial(con: duckdb.DuckDBPyConnection) -> None:
    """Conversations, turns, ratings and corrections: the data the nightly job trains on."""
    con.execute("""
        CREATE TABLE conversations (
            id VARCHAR PRIMARY KEY,
            customer_id VARCHAR NOT NULL,
            version VARCHAR NOT NULL,
            adapter VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE turns (
            id VARCHAR PRIMARY KEY,
            conversation_id VARCHAR NOT NULL,
            turn_index INTEGER NOT NULL CHECK (turn_index >= 0),
            role VARCHAR NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            text VARCHAR NOT NULL,
            version VARCHAR NOT NULL,
            adapter VARCHAR NOT NULL,
            sampling JSON NOT NULL,
            latency_ms DOUBLE CHECK (latency_ms >= 0),
            prompt_tokens INTEGER CHECK (prompt_tokens >= 0),
            completion_tokens INTEGER CHECK (completion_tokens >= 0),
            created_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE ratings (
            id VARCHAR PRIMARY KEY,
            turn_id VARCHAR NOT NULL,
            rater_kind VARCHAR NOT NULL CHECK (rater_kind IN ('customer', 'agent')),
            rater_id VARCHAR NOT NULL,
            thumbs BOOLEAN,
            stars INTEGER CHECK (stars BETWEEN 1 AND 5),
            comment VARCHAR NOT NULL DEFAULT '',
            created_at TIMESTAMP NOT NULL,
            superseded_at TIMESTAMP,
            CHECK ((thumbs IS NULL) <> (stars IS NULL))
        )""")
    con.execute("""
        CREATE TABLE corrections (
            id VARCHAR PRIMARY KEY,
            turn_id VARCHAR NOT NULL,
            agent_id VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""")


def m002_agent_review(con: duckdb.DuckDBPyConnection) -> None:
    """What agents add in the console: intent tags, training exclusions, and the agents themselves."""
    con.execute("""
        CREATE TABLE intent_tags (
            id VARCHAR PRIMARY KEY,
            conversation_id VARCHAR NOT NULL,
            turn_id VARCHAR,
            intent VARCHAR NOT NULL,
            tagged_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE training_exclusions (
            id VARCHAR PRIMARY KEY,
            conversation_id VARCHAR NOT NULL,
            turn_id VARCHAR,
            reason VARCHAR NOT NULL,
            agent_id VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE agents (
            id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL UNIQUE,
            password_hash VARCHAR NOT NULL,
            api_token_hash VARCHAR,
            disabled BOOLEAN NOT NULL DEFAULT false,
            created_at TIMESTAMP NOT NULL
        )""")


def m003_operations(con: duckdb.DuckDBPyConnection) -> None:
    """Bookkeeping: journal offsets (exactly-once ingestion), rejected events, and the audit log."""
    con.execute("""
        CREATE TABLE journal_offsets (
            journal VARCHAR PRIMARY KEY,
            applied_bytes BIGINT NOT NULL CHECK (applied_bytes >= 0),
            updated_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE rejected_events (
            kind VARCHAR NOT NULL,
            event_id VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            payload VARCHAR NOT NULL,
            rejected_at TIMESTAMP NOT NULL,
            PRIMARY KEY (kind, event_id)
        )""")
    con.execute("""
        CREATE TABLE audit_log (
            id VARCHAR PRIMARY KEY,
            action VARCHAR NOT NULL,
            actor VARCHAR NOT NULL,
            detail JSON NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""")


MIGRATIONS: tuple[Callable[[duckdb.DuckDBPyConnection], None], ...] = (
    m001_initial,
    m002_agent_review,
    m003_operations,
)
MIGRATION_NAMES = tuple(migration.__name__ for migration in MIGRATIONS)


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations' "
                         "AND database_name = current_database()").fetchone()[0]
    if not exists:
        return []
    return [row[0] for row in con.execute("SELECT name FROM schema_migrations ORDER BY applied_at, name").fetchall()]


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names not applied yet; SchemaError if the database knows migrations this code does not (newer code wrote it)."""
    done = applied_migrations(con)
    unknown = sorted(set(done) - set(MIGRATION_NAMES))
    if unknown:
        raise SchemaError(f"the feedback database was migrated by newer code ({', '.join(unknown)}); "
                          f"upgrade supportloop before opening it")
    return [name for name in MIGRATION_NAMES if name not in done]


def migrate(con: duckdb.DuckDBPyConnection, upto: str | None = None) -> list[str]:
    """Apply the pending migrations in order (up to and including `upto`); returns the names applied."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    todo = set(pending_migrations(con))
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in todo:
            con.execute("BEGIN TRANSACTION")
            try:
                migration(con)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?)",
                            [migration.__name__, datetime.now(timezone.utc).replace(tzinfo=None)])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            applied.append(migration.__name__)
        if migration.__name__ == upto:
            break
    return applied
