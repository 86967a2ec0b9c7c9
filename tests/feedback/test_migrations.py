"""Migrations: a fresh database and one stopped after the first migration end with the same schema."""

import duckdb
import pytest

from feedback.errors import SchemaError
from feedback.migrations import MIGRATION_NAMES, migrate
from feedback.reader import open_reader
from feedback.store import FeedbackStore


def schema_of(path):
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute("SELECT table_name, column_name, data_type, is_nullable, column_default "
                              "FROM information_schema.columns WHERE table_schema = 'main' "
                              "ORDER BY table_name, ordinal_position").fetchall()
        constraints = con.execute("SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
                                  "ORDER BY ALL").fetchall()
        applied = [row[0] for row in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    return columns, constraints, applied


def test_fresh_and_old_databases_reach_the_same_schema(tmp_path):
    FeedbackStore.open(tmp_path / "fresh.duckdb").close()
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        assert migrate(con, upto="m001_initial") == ["m001_initial"]
    FeedbackStore.open(tmp_path / "old.duckdb").close()
    fresh, old = schema_of(tmp_path / "fresh.duckdb"), schema_of(tmp_path / "old.duckdb")
    assert fresh == old
    assert fresh[2] == sorted(MIGRATION_NAMES)


def test_migrations_run_once(tmp_path):
    with duckdb.connect(str(tmp_path / "f.duckdb")) as con:
        assert migrate(con) == list(MIGRATION_NAMES)
        assert migrate(con) == []


def test_database_constraints_hold_even_without_the_validator(tmp_path):
    FeedbackStore.open(tmp_path / "f.duckdb").close()
    with duckdb.connect(str(tmp_path / "f.duckdb")) as con:
        insert = "INSERT INTO ratings VALUES ('r', 't', ?, 's', ?, ?, '', now()::TIMESTAMP, NULL)"
        for kind, thumbs, stars in [("customer", None, 6), ("robot", True, None), ("agent", True, 4),
                                    ("agent", None, None)]:
            with pytest.raises(duckdb.ConstraintException):
                con.execute(insert, [kind, thumbs, stars])
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO turns VALUES ('t', 'c', 0, 'bot', 'x', '', '', '{}', NULL, NULL, NULL, "
                        "now()::TIMESTAMP)")


def test_a_database_from_newer_code_is_refused(tmp_path):
    FeedbackStore.open(tmp_path / "f.duckdb").close()
    with duckdb.connect(str(tmp_path / "f.duckdb")) as con:
        con.execute("INSERT INTO schema_migrations VALUES ('m999_future', now()::TIMESTAMP)")
    with pytest.raises(SchemaError, match="newer code"):
        FeedbackStore.open(tmp_path / "f.duckdb")


def test_a_reader_migrates_an_old_database_before_reading(tmp_path):
    with duckdb.connect(str(tmp_path / "f.duckdb")) as con:
        migrate(con, upto="m001_initial")
    with open_reader(tmp_path / "f.duckdb") as store:
        assert store.stats().turns == 0
