"""FeedbackStore: the one owner of the feedback DuckDB file and of every SQL statement run against it.

Queries are parameterized; rows come back as the dataclasses of `feedback.records`. A store opened
read-write migrates the schema when it opens and must be held only briefly: DuckDB locks the whole file
against every other process while it is open (see `feedback.ingest` for who opens it and when, and
`feedback.reader` for read-only access with retries).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import duckdb
import pyarrow as pa

from feedback.codec import KIND_OF, event_to_dict
from feedback.errors import FeedbackError, InvalidEvent, SchemaError
from feedback.migrations import migrate, pending_migrations
from feedback.records import (AgentRecord, ApplyResult, AuditEntry, ConversationRecord, CorrectionRecord,
                              DailySatisfaction, DailyVolume, FeedbackEvent, FeedbackStats, IntentNegatives,
                              PurgeResult, QueueItem, RatingRecord, RejectedEvent, ReviewFilter, SatisfactionRow,
                              TurnRecord, TurnWithFeedback)
from feedback.validation import validate_event

# Per event kind: target table, the SELECT list that turns an incoming Arrow row into a table row, the
# condition its references must meet, and the rejection reason when they do not. Kinds are applied in
# this order, so a turn can refer to a conversation that arrives in the same batch.
_APPLY_PLAN: tuple[tuple[str, str, str, str, str], ...] = (
    ("conversation", "conversations", "id, customer_id, version, adapter, make_timestamp(started_at)",
     "true", "''"),
    ("turn", "turns", "id, conversation_id, turn_index, role, text, version, adapter, sampling::JSON, latency_ms, "
     "prompt_tokens, completion_tokens, make_timestamp(created_at)",
     "conversation_id IN (SELECT id FROM conversations)", "'unknown conversation ' || conversation_id"),
    ("rating", "ratings", "id, turn_id, rater_kind, rater_id, thumbs, stars, comment, make_timestamp(created_at), NULL",
     "turn_id IN (SELECT id FROM turns)", "'unknown turn ' || turn_id"),
    ("correction", "corrections", "id, turn_id, agent_id, text, make_timestamp(created_at)",
     "turn_id IN (SELECT id FROM turns)", "'unknown turn ' || turn_id"),
    ("intent_tag", "intent_tags", "id, conversation_id, turn_id, intent, tagged_by, make_timestamp(created_at)",
     "conversation_id IN (SELECT id FROM conversations) AND (turn_id IS NULL OR turn_id IN (SELECT id FROM turns))",
     "CASE WHEN conversation_id NOT IN (SELECT id FROM conversations) "
     "THEN 'unknown conversation ' || conversation_id ELSE 'unknown turn ' || turn_id END"),
    ("training_exclusion", "training_exclusions",
     "id, conversation_id, turn_id, reason, agent_id, make_timestamp(created_at)",
     "conversation_id IN (SELECT id FROM conversations) AND (turn_id IS NULL OR turn_id IN (SELECT id FROM turns))",
     "CASE WHEN conversation_id NOT IN (SELECT id FROM conversations) "
     "THEN 'unknown conversation ' || conversation_id ELSE 'unknown turn ' || turn_id END"),
)

# The live-rating rule: among one rater's ratings of one turn, ordered by (created_at, id), each rating is
# superseded at the creation time of the next one; the last is live. Recomputed only for the keys a batch
# touched, so a late-arriving older rating lands in history instead of overriding a newer one.
_SUPERSEDE_SQL = """
    UPDATE ratings SET superseded_at = ordered.next_at
    FROM (SELECT id, lead(created_at) OVER (PARTITION BY turn_id, rater_kind, rater_id
                                            ORDER BY created_at, id) AS next_at
          FROM ratings
          WHERE (turn_id, rater_kind, rater_id) IN (SELECT turn_id, rater_kind, rater_id FROM incoming_rating)) AS ordered
    WHERE ratings.id = ordered.id AND ratings.superseded_at IS DISTINCT FROM ordered.next_at"""

_SATISFIED = "(r.thumbs OR r.stars >= 4)"
_SATISFACTION_COLUMNS = f"""count(*), count(*) FILTER (WHERE r.thumbs), count(*) FILTER (WHERE NOT r.thumbs),
    avg(r.stars), avg(CASE WHEN {_SATISFIED} THEN 1.0 ELSE 0.0 END)"""

_EXPORT_SQL = """
    SELECT t.id AS turn_id, t.conversation_id, c.customer_id, t.turn_index, t.role, t.text,
           t.version, t.adapter, t.sampling, t.latency_ms, t.prompt_tokens, t.completion_tokens, t.created_at,
           r.thumbs_up, r.thumbs_down, r.mean_stars, k.correction,
           (x.turn_id IS NOT NULL OR xc.conversation_id IS NOT NULL) AS excluded
    FROM turns t JOIN conversations c ON c.id = t.conversation_id
    LEFT JOIN (SELECT turn_id, count(*) FILTER (WHERE thumbs) AS thumbs_up,
                      count(*) FILTER (WHERE NOT thumbs) AS thumbs_down, avg(stars) AS mean_stars
               FROM ratings WHERE superseded_at IS NULL GROUP BY turn_id) r ON r.turn_id = t.id
    LEFT JOIN (SELECT turn_id, arg_max(text, created_at) AS correction FROM corrections GROUP BY turn_id) k
           ON k.turn_id = t.id
    LEFT JOIN (SELECT DISTINCT turn_id FROM training_exclusions WHERE turn_id IS NOT NULL) x ON x.turn_id = t.id
    LEFT JOIN (SELECT DISTINCT conversation_id FROM training_exclusions WHERE turn_id IS NULL) xc
           ON xc.conversation_id = t.conversation_id
    WHERE t.created_at >= ? AND t.created_at < ?"""

# One row per turn with what the dataset rules of retrain/ need, customers' and agents' live ratings
# apart (agent judgement overrides customer judgement there). Columnar (Arrow) because it reads every turn.
# Only conversations with a rating or a correction can yield an example, and they are a minority: pick them
# first (`wanted`) and aggregate ratings, corrections, exclusions and tags of THEIR turns only, instead of
# aggregating whole tables and discarding most of it (and parsing every turn's sampling JSON) afterwards.
_TRAINING_SQL = """
    WITH rated AS (SELECT turn_id FROM ratings UNION SELECT turn_id FROM corrections),
    wanted AS (SELECT DISTINCT t.conversation_id FROM turns t SEMI JOIN rated ON rated.turn_id = t.id
               JOIN conversations c ON c.id = t.conversation_id WHERE c.started_at >= ?),
    picked AS (SELECT t.id, t.conversation_id, t.turn_index, t.role, t.text, t.version, t.completion_tokens,
                      t.sampling FROM turns t SEMI JOIN wanted ON wanted.conversation_id = t.conversation_id),
    r AS (SELECT turn_id,
                 count(*) FILTER (WHERE rater_kind = 'customer' AND thumbs) AS customer_up,
                 count(*) FILTER (WHERE rater_kind = 'customer' AND NOT thumbs) AS customer_down,
                 count(*) FILTER (WHERE rater_kind = 'agent' AND thumbs) AS agent_up,
                 count(*) FILTER (WHERE rater_kind = 'agent' AND NOT thumbs) AS agent_down,
                 avg(stars) FILTER (WHERE rater_kind = 'agent') AS agent_stars
          FROM ratings WHERE superseded_at IS NULL GROUP BY turn_id),
    k AS (SELECT turn_id, arg_max(text, created_at) AS correction FROM corrections GROUP BY turn_id),
    x AS (SELECT DISTINCT turn_id FROM training_exclusions WHERE turn_id IS NOT NULL),
    xc AS (SELECT DISTINCT conversation_id FROM training_exclusions WHERE turn_id IS NULL),
    it AS (SELECT turn_id, list(DISTINCT intent ORDER BY intent) AS intents FROM intent_tags
           WHERE turn_id IS NOT NULL GROUP BY turn_id),
    ci AS (SELECT i.conversation_id, list(DISTINCT i.intent ORDER BY i.intent) AS intents FROM intent_tags i
           SEMI JOIN wanted ON wanted.conversation_id = i.conversation_id
           WHERE i.turn_id IS NULL GROUP BY i.conversation_id)
    SELECT t.id AS turn_id, t.conversation_id, c.customer_id, t.turn_index, t.role, t.text, t.version,
           t.completion_tokens, json_extract(t.sampling, '$.max_tokens')::BIGINT AS max_tokens,
           coalesce(r.customer_up, 0) AS customer_up, coalesce(r.customer_down, 0) AS customer_down,
           coalesce(r.agent_up, 0) AS agent_up, coalesce(r.agent_down, 0) AS agent_down, r.agent_stars,
           k.correction, (x.turn_id IS NOT NULL OR xc.conversation_id IS NOT NULL) AS excluded,
           coalesce(it.intents, ci.intents, []) AS intents
    FROM picked t JOIN conversations c ON c.id = t.conversation_id
    LEFT JOIN r ON r.turn_id = t.id
    LEFT JOIN k ON k.turn_id = t.id
    LEFT JOIN x ON x.turn_id = t.id
    LEFT JOIN xc ON xc.conversation_id = t.conversation_id
    LEFT JOIN it ON it.turn_id = t.id
    LEFT JOIN ci ON ci.conversation_id = t.conversation_id
    ORDER BY c.started_at, t.conversation_id, t.turn_index"""

# One row per conversation with what the review queue sorts and filters on. "Reviewed" means an agent
# rated or corrected one of its turns; customer thumbs are counted from live ratings only.
_QUEUE_SQL = """
    SELECT c.id AS conversation_id, c.started_at, c.version,
           coalesce((SELECT string_agg(DISTINCT i.intent, ', ') FROM intent_tags i WHERE i.conversation_id = c.id), '')
               AS intents,
           count(r.id) FILTER (WHERE r.rater_kind = 'customer' AND NOT r.thumbs) AS thumbs_down,
           count(r.id) FILTER (WHERE r.rater_kind = 'customer' AND r.thumbs) AS thumbs_up,
           (count(r.id) FILTER (WHERE r.rater_kind = 'agent') > 0
            OR EXISTS (SELECT 1 FROM corrections k JOIN turns kt ON kt.id = k.turn_id
                       WHERE kt.conversation_id = c.id)) AS reviewed,
           coalesce((SELECT left(u.text, 120) FROM turns u WHERE u.conversation_id = c.id AND u.role = 'user'
                     ORDER BY u.turn_index LIMIT 1), '') AS first_message,
           min(r.stars) FILTER (WHERE r.rater_kind = 'agent') AS min_stars,
           max(r.stars) FILTER (WHERE r.rater_kind = 'agent') AS max_stars
    FROM conversations c LEFT JOIN turns t ON t.conversation_id = c.id
    LEFT JOIN ratings r ON r.turn_id = t.id AND r.superseded_at IS NULL
    GROUP BY c.id, c.started_at, c.version"""

# Rating filters of the review queue: menu label -> condition on a _QUEUE_SQL row.
RATING_FILTERS = {
    "any": "true",
    "thumbs down": "thumbs_down > 0",
    "thumbs up": "thumbs_up > 0",
    "no customer rating": "thumbs_down = 0 AND thumbs_up = 0",
    "unreviewed": "NOT reviewed",
    "reviewed": "reviewed",
    "agent stars 1-2": "min_stars <= 2",
    "agent stars 4-5": "max_stars >= 4",
}


def _queue_conditions(wanted: ReviewFilter) -> tuple[list[str], list[Any]]:
    if wanted.rating not in RATING_FILTERS:
        raise FeedbackError(f"unknown rating filter {wanted.rating!r}; known: {', '.join(RATING_FILTERS)}")
    conditions, params = [RATING_FILTERS[wanted.rating]], []
    if wanted.version:
        conditions.append("version = ?")
        params.append(wanted.version)
    if wanted.intent:
        conditions.append("list_contains(string_split(intents, ', '), ?)")
        params.append(wanted.intent)
    if wanted.start is not None:
        conditions.append("started_at >= ?")
        params.append(_db_time(wanted.start, _FAR_PAST))
    if wanted.end is not None:
        conditions.append("started_at < ?")
        params.append(_db_time(wanted.end, _FAR_FUTURE))
    return conditions, params


_FAR_PAST = datetime(1970, 1, 1)
_FAR_FUTURE = datetime(9999, 1, 1)


def _db_time(moment: Optional[datetime], default: datetime) -> datetime:
    """UTC-naive, as stored in TIMESTAMP columns."""
    if moment is None:
        return default
    return moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone(timezone.utc).replace(tzinfo=None)


def _utc(moment: Optional[datetime]) -> Optional[datetime]:
    return None if moment is None else moment.replace(tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class FeedbackStore:
    """Owns one DuckDB connection to the feedback database; use `FeedbackStore.open(...)` as a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self._con = con
        self.read_only = read_only

    @classmethod
    def open(cls, db_path: Path | str, *, read_only: bool = False, threads: Optional[int] = None) -> "FeedbackStore":
        """Open (and, read-write, create and migrate) the database; duckdb.IOException if another process holds it.

        `threads` caps DuckDB's worker threads (default: one per core).
        """
        if not read_only:
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(db_path), read_only=read_only)
        try:
            if threads is not None:
                con.execute(f"SET threads = {max(1, int(threads))}")  # a SET takes no parameters
            if read_only:
                missing = pending_migrations(con)
                if missing:
                    raise SchemaError(f"{db_path} lacks migrations {', '.join(missing)}; open it read-write once "
                                      f"(any writer or `ingest` does) to migrate it")
            else:
                migrate(con)
        except BaseException:
            con.close()
            raise
        return cls(con, read_only)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "FeedbackStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- writes -------------------------------------------------------------------------------------------

    def apply_events(self, events: Sequence[FeedbackEvent], journal_offsets: Mapping[str, int] | None = None,
                     invalid: Sequence[tuple[str, str, str, str]] = ()) -> ApplyResult:
        """Store a batch in ONE transaction, with the journal offsets it reaches: all of it or none of it.

        Events are validated again; invalid ones and ones whose references are unknown go to
        `rejected_events` (as do the (kind, id, reason, payload) rows of `invalid`). Ids already stored are
        skipped, so replaying a batch is a no-op.
        """
        self._require_writable()
        by_kind: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind, *_ in _APPLY_PLAN}
        rejected_rows = list(invalid)
        for event in events:
            kind = KIND_OF.get(type(event), "unknown")
            try:
                row = event_to_dict(validate_event(event))
            except InvalidEvent as exc:
                rejected_rows.append((kind, str(getattr(event, "id", "")), str(exc), repr(event)[:10_000]))
                continue
            by_kind[kind].setdefault(row["id"], row)  # first occurrence wins, like the stored one would
        stored = rejected = 0
        self._con.execute("BEGIN TRANSACTION")
        try:
            for kind, table, select_list, reference_ok, reason in _APPLY_PLAN:
                if by_kind[kind]:
                    added, refused = self._apply_kind(kind, table, select_list, reference_ok, reason, by_kind[kind])
                    stored, rejected = stored + added, rejected + refused
            rejected += self._record_rejections(rejected_rows)
            self._record_offsets(journal_offsets or {})
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        finally:
            for kind in by_kind:
                self._con.execute(f"DROP VIEW IF EXISTS incoming_{kind}")
        total = len(events) + len(invalid)
        return ApplyResult(stored=stored, duplicates=total - stored - rejected, rejected=rejected)

    def _apply_kind(self, kind: str, table: str, select_list: str, reference_ok: str, reason: str,
                    rows: dict[str, dict[str, Any]]) -> tuple[int, int]:
        incoming = f"incoming_{kind}"
        self._con.register(incoming, _arrow_rows(kind, list(rows.values())))
        new_only = f"id NOT IN (SELECT id FROM {table})"
        refused = self._con.execute(
            f"INSERT INTO rejected_events SELECT ?, id, {reason}, to_json(b)::VARCHAR, ? FROM {incoming} b "
            f"WHERE {new_only} AND NOT ({reference_ok}) ON CONFLICT DO NOTHING RETURNING event_id",
            [kind, _now()]).fetchall()
        added = self._con.execute(f"INSERT INTO {table} SELECT {select_list} FROM {incoming} "
                                  f"WHERE {new_only} AND {reference_ok} ON CONFLICT DO NOTHING RETURNING id").fetchall()
        if kind == "rating" and added:
            self._con.execute(_SUPERSEDE_SQL)
        return len(added), len(refused)

    def _record_rejections(self, rows: Sequence[tuple[str, str, str, str]]) -> int:
        count = 0
        for kind, event_id, reason, payload in rows:
            count += len(self._con.execute("INSERT INTO rejected_events VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
                                           "RETURNING event_id", [kind, event_id, reason, payload, _now()]).fetchall())
        return count

    def _record_offsets(self, journal_offsets: Mapping[str, int]) -> None:
        for journal, applied_bytes in journal_offsets.items():
            self._con.execute("INSERT INTO journal_offsets VALUES (?, ?, ?) ON CONFLICT (journal) DO UPDATE "
                              "SET applied_bytes = excluded.applied_bytes, updated_at = excluded.updated_at",
                              [journal, applied_bytes, _now()])

    def forget_journals(self, journals: Sequence[str]) -> None:
        """Drop the offsets of journals whose files were deleted after being applied completely."""
        self._require_writable()
        for journal in journals:
            self._con.execute("DELETE FROM journal_offsets WHERE journal = ?", [journal])

    def purge_customer(self, customer_id: str, actor: str, reason: str) -> PurgeResult:
        """Delete every conversation of a customer and all that hangs off it; logged in the audit log."""
        return self._purge("purge_customer", "SELECT id FROM conversations WHERE customer_id = ?", [customer_id],
                           actor, {"customer_id": customer_id, "reason": reason})

    def purge_older_than(self, days: int, actor: str) -> PurgeResult:
        """Delete conversations started more than `days` days ago (and old rejected events); logged."""
        if days < 0:
            raise FeedbackError(f"days must be zero or more, not {days}")
        cutoff = _now() - timedelta(days=days)
        return self._purge("purge_older_than", "SELECT id FROM conversations WHERE started_at < ?", [cutoff],
                           actor, {"days": days, "cutoff": cutoff.isoformat() + "Z"}, rejected_before=cutoff)

    def _purge(self, action: str, conversations_sql: str, params: list[Any], actor: str, detail: dict[str, Any],
               rejected_before: Optional[datetime] = None) -> PurgeResult:
        self._require_writable()
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE TEMP TABLE purge_conversations AS {conversations_sql}", params)
            con.execute("CREATE TEMP TABLE purge_turns AS SELECT id FROM turns "
                        "WHERE conversation_id IN (SELECT id FROM purge_conversations)")
            counts = {}
            for table, key, victims in (("ratings", "turn_id", "purge_turns"), ("corrections", "turn_id", "purge_turns"),
                                        ("intent_tags", "conversation_id", "purge_conversations"),
                                        ("training_exclusions", "conversation_id", "purge_conversations"),
                                        ("turns", "id", "purge_turns"), ("conversations", "id", "purge_conversations")):
                counts[table] = len(con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM {victims}) "
                                                "RETURNING 1").fetchall())
            if rejected_before is not None:
                con.execute("DELETE FROM rejected_events WHERE rejected_at < ?", [rejected_before])
            result = PurgeResult(conversations=counts["conversations"], turns=counts["turns"],
                                 ratings=counts["ratings"], corrections=counts["corrections"])
            self._audit(action, actor, {**detail, **result.__dict__})
            con.execute("DROP TABLE purge_conversations")
            con.execute("DROP TABLE purge_turns")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return result

    def _audit(self, action: str, actor: str, detail: dict[str, Any]) -> None:
        self._con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)",
                          [uuid.uuid4().hex, action, actor, json.dumps(detail, sort_keys=True), _now()])

    # ---- agents (admin writes: the CLI holds the file through feedback.ingest.exclusive_store) ------------

    def add_agent(self, agent: AgentRecord, actor: str) -> None:
        """Insert a new agent; FeedbackError if the name is taken. Logged in the audit log (never the hash)."""
        self._require_writable()
        if self.agent_by_name(agent.name) is not None:
            raise FeedbackError(f"an agent named {agent.name!r} already exists; pick another name "
                                f"or see `supportloop agents list`")
        self._con.execute("BEGIN TRANSACTION")
        try:
            self._con.execute("INSERT INTO agents VALUES (?, ?, ?, ?, ?, ?)",
                              [agent.id, agent.name, agent.password_hash, agent.api_token_hash, agent.disabled,
                               _db_time(agent.created_at, _now())])
            self._audit("agent_add", actor, {"agent_id": agent.id, "name": agent.name})
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    def update_agent(self, name: str, actor: str, *, disabled: Optional[bool] = None,
                     api_token_hash: Optional[str] = None) -> AgentRecord:
        """Disable/enable an agent or replace its API token hash; FeedbackError if there is no such agent."""
        self._require_writable()
        agent = self.agent_by_name(name)
        if agent is None:
            raise FeedbackError(f"no agent named {name!r}; see `supportloop agents list`")
        self._con.execute("BEGIN TRANSACTION")
        try:
            if disabled is not None:
                self._con.execute("UPDATE agents SET disabled = ? WHERE id = ?", [disabled, agent.id])
                self._audit("agent_disable" if disabled else "agent_enable", actor, {"agent_id": agent.id, "name": name})
            if api_token_hash is not None:
                self._con.execute("UPDATE agents SET api_token_hash = ? WHERE id = ?", [api_token_hash, agent.id])
                self._audit("agent_token", actor, {"agent_id": agent.id, "name": name})
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        return self.agent_by_name(name)

    def agents(self) -> list[AgentRecord]:
        return [_record(AgentRecord, row) for row in self._rows("SELECT * FROM agents ORDER BY name")]

    def agent_by_name(self, name: str) -> Optional[AgentRecord]:
        rows = self._rows("SELECT * FROM agents WHERE name = ?", [name])
        return _record(AgentRecord, rows[0]) if rows else None

    def _require_writable(self) -> None:
        if self.read_only:
            raise FeedbackError("this feedback store was opened read-only; writes go through FeedbackLog")

    # ---- reads --------------------------------------------------------------------------------------------

    def turns_between(self, start: Optional[datetime] = None, end: Optional[datetime] = None) -> list[TurnWithFeedback]:
        """Turns created in [start, end), in conversation order, each with its live ratings and corrections."""
        window = [_db_time(start, _FAR_PAST), _db_time(end, _FAR_FUTURE)]
        return self._turns_with_feedback("t.created_at >= ? AND t.created_at < ?", window)

    def conversation_turns(self, conversation_id: str) -> list[TurnWithFeedback]:
        """Every turn of one conversation, in order, with its feedback (the console's conversation view)."""
        return self._turns_with_feedback("t.conversation_id = ?", [conversation_id])

    def _turns_with_feedback(self, condition: str, params: list[Any]) -> list[TurnWithFeedback]:
        """Turns matching `condition` (a WHERE clause on alias t with `?` parameters) with their feedback."""
        selected = f"SELECT t.id FROM turns t WHERE {condition}"
        ratings = _group(self._rows(f"SELECT * FROM ratings WHERE superseded_at IS NULL AND turn_id IN ({selected}) "
                                    "ORDER BY created_at, id", params), RatingRecord, "turn_id")
        corrections = _group(self._rows(f"SELECT * FROM corrections WHERE turn_id IN ({selected}) "
                                        "ORDER BY created_at, id", params), CorrectionRecord, "turn_id")
        excluded = {row["id"] for row in self._rows(
            f"SELECT t.id FROM turns t JOIN training_exclusions x ON x.conversation_id = t.conversation_id "
            f"AND (x.turn_id IS NULL OR x.turn_id = t.id) WHERE t.id IN ({selected})", params)}
        intents: dict[str, list[str]] = {}
        for row in self._rows(f"SELECT DISTINCT t.id, i.intent FROM turns t JOIN intent_tags i "
                              f"ON i.conversation_id = t.conversation_id AND (i.turn_id IS NULL OR i.turn_id = t.id) "
                              f"WHERE t.id IN ({selected}) ORDER BY i.intent", params):
            intents.setdefault(row["id"], []).append(row["intent"])
        result = []
        for row in self._rows("SELECT t.*, c.customer_id FROM turns t JOIN conversations c ON c.id = t.conversation_id "
                              f"WHERE {condition} ORDER BY c.started_at, t.conversation_id, t.turn_index", params):
            customer_id = row.pop("customer_id")
            row["sampling"] = json.loads(row["sampling"])
            turn = _record(TurnRecord, row)
            result.append(TurnWithFeedback(turn=turn, customer_id=customer_id, ratings=tuple(ratings.get(turn.id, ())),
                                           corrections=tuple(corrections.get(turn.id, ())),
                                           intents=tuple(intents.get(turn.id, ())), excluded=turn.id in excluded))
        return result

    def turn(self, turn_id: str) -> Optional[TurnRecord]:
        rows = self._rows("SELECT * FROM turns WHERE id = ?", [turn_id])
        if not rows:
            return None
        rows[0]["sampling"] = json.loads(rows[0]["sampling"])
        return _record(TurnRecord, rows[0])

    def conversation(self, conversation_id: str) -> Optional[ConversationRecord]:
        rows = self._rows("SELECT * FROM conversations WHERE id = ?", [conversation_id])
        return _record(ConversationRecord, rows[0]) if rows else None

    def rating_history(self, turn_id: str) -> list[RatingRecord]:
        """Every rating of a turn, live and superseded, oldest first."""
        return [_record(RatingRecord, row) for row in
                self._rows("SELECT * FROM ratings WHERE turn_id = ? ORDER BY created_at, id", [turn_id])]

    def stats(self) -> FeedbackStats:
        """Counts, and satisfaction of live ratings per model version and per conversation intent."""
        counts = self._con.execute(
            "SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM turns), "
            "(SELECT count(*) FROM ratings WHERE superseded_at IS NULL), (SELECT count(*) FROM corrections), "
            "(SELECT count(*) FROM rejected_events)").fetchone()
        per_version = self._con.execute(
            f"SELECT coalesce(nullif(t.version, ''), c.version) AS key, {_SATISFACTION_COLUMNS} FROM ratings r "
            "JOIN turns t ON t.id = r.turn_id JOIN conversations c ON c.id = t.conversation_id "
            "WHERE r.superseded_at IS NULL GROUP BY key ORDER BY key").fetchall()
        per_intent = self._con.execute(
            f"SELECT i.intent AS key, {_SATISFACTION_COLUMNS} FROM ratings r JOIN turns t ON t.id = r.turn_id "
            "JOIN (SELECT DISTINCT conversation_id, intent FROM intent_tags) i ON i.conversation_id = t.conversation_id "
            "WHERE r.superseded_at IS NULL GROUP BY key ORDER BY key").fetchall()
        return FeedbackStats(*counts, per_version=tuple(SatisfactionRow(*row) for row in per_version),
                             per_intent=tuple(SatisfactionRow(*row) for row in per_intent))

    def export_turns_parquet(self, path: Path | str, start: Optional[datetime] = None,
                             end: Optional[datetime] = None,
                             text_filter: Optional[Callable[[str], str]] = None) -> int:
        """Write turns of [start, end) with their aggregated live feedback to one Parquet file; returns rows.

        `text_filter` (e.g. feedback.pii.scrub_pii) is applied to every turn text and correction.
        """
        window = [_db_time(start, _FAR_PAST), _db_time(end, _FAR_FUTURE)]
        sql = _EXPORT_SQL
        if text_filter is not None:
            self._con.create_function("export_text_filter", text_filter, ["VARCHAR"], "VARCHAR",
                                      null_handling="special")
            sql = (sql.replace("t.role, t.text,", "t.role, export_text_filter(t.text) AS text,")
                      .replace("k.correction,", "export_text_filter(k.correction) AS correction,"))
        self._con.execute(f"COPY ({sql}) TO ? (FORMAT parquet, COMPRESSION zstd)", window + [str(path)])
        return self._con.execute(f"SELECT count(*) FROM turns WHERE created_at >= ? AND created_at < ?",
                                 window).fetchone()[0]

    def training_turns(self, since: Optional[datetime] = None) -> pa.Table:
        """Every turn of every conversation with feedback (started at or after `since`, when given), in
        conversation order, with its live ratings split by rater kind, newest correction, exclusion flag and
        intents (turn tags, else conversation tags): the raw material of the dataset build."""
        return self._con.sql(_TRAINING_SQL, params=[_db_time(since, _FAR_PAST)]).to_arrow_table()

    def snapshot_counts(self) -> dict[str, int]:
        """Row counts that identify what a reader saw (recorded with every dataset)."""
        tables = ("conversations", "turns", "ratings", "corrections", "intent_tags", "training_exclusions")
        row = self._con.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {table})" for table in tables)).fetchone()
        return dict(zip(tables, row))

    def version_ratings(self, since: Optional[datetime] = None,
                        until: Optional[datetime] = None) -> dict[str, tuple[int, int]]:
        """Per version: (satisfied, rated) live ratings of its answers given in [since, until) (customers' thumbs
        and agents' stars alike; satisfied = thumbs up or 4-5 stars). What the canary monitor compares. A turn
        logged without a version (an external tool's) counts for its conversation's version, as on the dashboard."""
        rows = self._con.execute(
            "SELECT coalesce(nullif(t.version, ''), c.version) AS version, "
            f"count(*) FILTER (WHERE {_SATISFIED}), count(*) FROM ratings r "
            "JOIN turns t ON t.id = r.turn_id JOIN conversations c ON c.id = t.conversation_id "
            "WHERE r.superseded_at IS NULL AND r.created_at >= ? AND r.created_at < ? GROUP BY ALL",
            [_db_time(since, _FAR_PAST), _db_time(until, _FAR_FUTURE)]).fetchall()
        return {version: (int(good), int(total)) for version, good, total in rows}

    def review_queue(self, wanted: ReviewFilter, limit: int = 200) -> list[QueueItem]:
        """Conversations for agents to review: thumbs-down first, then unreviewed, then newest first."""
        conditions, params = _queue_conditions(wanted)
        rows = self._con.execute(f"""
            WITH per_conversation AS ({_QUEUE_SQL})
            SELECT conversation_id, started_at, version, intents, thumbs_down, thumbs_up, reviewed, first_message
            FROM per_conversation WHERE {' AND '.join(conditions) or 'true'}
            ORDER BY thumbs_down > 0 DESC, reviewed, started_at DESC, conversation_id LIMIT ?""",
                                 params + [limit]).fetchall()
        return [QueueItem(row[0], _utc(row[1]), *row[2:]) for row in rows]

    def filter_choices(self) -> tuple[list[str], list[str]]:
        """The versions and intents that occur, for the console's filter menus."""
        versions = [row[0] for row in self._con.execute("SELECT DISTINCT version FROM conversations ORDER BY 1").fetchall()]
        intents = [row[0] for row in self._con.execute("SELECT DISTINCT intent FROM intent_tags ORDER BY 1").fetchall()]
        return versions, intents

    def satisfaction_by_day(self, days: int = 90) -> list[DailySatisfaction]:
        rows = self._con.execute(
            "SELECT date_trunc('day', r.created_at) AS day, coalesce(nullif(t.version, ''), c.version) AS version, "
            f"count(*), avg(CASE WHEN {_SATISFIED} THEN 1.0 ELSE 0.0 END) FROM ratings r "
            "JOIN turns t ON t.id = r.turn_id JOIN conversations c ON c.id = t.conversation_id "
            "WHERE r.superseded_at IS NULL AND r.created_at >= ? GROUP BY ALL ORDER BY day, version",
            [_now() - timedelta(days=days)]).fetchall()
        return [DailySatisfaction(_utc(row[0]), *row[1:]) for row in rows]

    def volume_by_day(self, days: int = 90) -> list[DailyVolume]:
        since = _now() - timedelta(days=days)
        rows = self._con.execute(
            "WITH c AS (SELECT date_trunc('day', started_at) AS day, count(*) AS n FROM conversations "
            "           WHERE started_at >= ? GROUP BY 1), "
            "t AS (SELECT date_trunc('day', created_at) AS day, count(*) AS n FROM turns WHERE created_at >= ? GROUP BY 1), "
            "r AS (SELECT date_trunc('day', created_at) AS day, count(*) AS n FROM ratings WHERE created_at >= ? GROUP BY 1) "
            "SELECT day, coalesce(c.n, 0), coalesce(t.n, 0), coalesce(r.n, 0) "
            "FROM c FULL JOIN t USING (day) FULL JOIN r USING (day) ORDER BY day", [since, since, since]).fetchall()
        return [DailyVolume(_utc(row[0]), *row[1:]) for row in rows]

    def most_negative_intents(self, limit: int = 10) -> list[IntentNegatives]:
        """Intents ordered by their count of negative live ratings (thumbs down or 1-2 stars)."""
        rows = self._con.execute(
            "SELECT i.intent, count(*) FILTER (WHERE NOT r.thumbs OR r.stars <= 2) AS negative, count(*), "
            f"avg(CASE WHEN {_SATISFIED} THEN 1.0 ELSE 0.0 END) FROM ratings r JOIN turns t ON t.id = r.turn_id "
            "JOIN (SELECT DISTINCT conversation_id, intent FROM intent_tags) i ON i.conversation_id = t.conversation_id "
            "WHERE r.superseded_at IS NULL GROUP BY i.intent HAVING negative > 0 ORDER BY negative DESC, i.intent "
            "LIMIT ?", [limit]).fetchall()
        return [IntentNegatives(*row) for row in rows]

    def rejected_events(self, limit: int = 100) -> list[RejectedEvent]:
        return [_record(RejectedEvent, row) for row in
                self._rows("SELECT event_id, kind, reason, payload, rejected_at FROM rejected_events "
                           "ORDER BY rejected_at DESC, event_id LIMIT ?", [limit])]

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        return [_record(AuditEntry, row) for row in
                self._rows("SELECT * FROM audit_log ORDER BY created_at DESC LIMIT ?", [limit])]

    def journal_offsets(self) -> dict[str, int]:
        return dict(self._con.execute("SELECT journal, applied_bytes FROM journal_offsets").fetchall())

    def count(self, kind: str) -> int:
        """Stored rows of one event kind ('turn', 'rating', ...), superseded ratings included."""
        tables = {kind: table for kind, table, *_ in _APPLY_PLAN}
        if kind not in tables:
            raise FeedbackError(f"unknown event kind {kind!r}; known: {', '.join(tables)}")
        return self._con.execute(f"SELECT count(*) FROM {tables[kind]}").fetchone()[0]

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self._con.execute(sql, list(params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values)) for values in cursor.fetchall()]


def _record(cls: type, row: dict[str, Any]) -> Any:
    names = {spec.name for spec in fields(cls)}
    return cls(**{name: _utc(value) if isinstance(value, datetime) else value
                  for name, value in row.items() if name in names})


def _group(rows: list[dict[str, Any]], cls: type, key: str) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(_record(cls, row))
    return grouped


_ARROW_TYPES = {"turn_index": pa.int64(), "latency_ms": pa.float64(), "prompt_tokens": pa.int64(),
                "completion_tokens": pa.int64(), "thumbs": pa.bool_(), "stars": pa.int64(),
                "started_at": pa.int64(), "created_at": pa.int64(), "superseded_at": pa.int64()}


def _arrow_rows(kind: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows of one kind as an Arrow table with fixed column types (so all-NULL columns still type-check)."""
    names = [name for name in rows[0] if name != "kind"]
    if kind == "turn":
        rows = [{**row, "sampling": json.dumps(row["sampling"], sort_keys=True)} for row in rows]
    schema = pa.schema([(name, _ARROW_TYPES.get(name, pa.string())) for name in names])
    return pa.Table.from_pylist(rows, schema=schema)
