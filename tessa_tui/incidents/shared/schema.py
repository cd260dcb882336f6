"""The shared journal's tables in PostgreSQL: created once by `tessa-tui journal init-shared`, versioned, and
append-only for everyone (a trigger refuses UPDATE, DELETE and TRUNCATE even to the owner).

Consoles need only USAGE on the schema, SELECT and INSERT on `events` and SELECT on `meta` (`grants`): the
sequence behind `seq` is an identity column's, which INSERT alone may advance. Every insert announces itself on
the schema's channel (a statement trigger), so listeners learn of it whoever wrote it.
"""

from __future__ import annotations

import re

SHARED_SCHEMA_VERSION = 1
MAX_ID = 512
MAX_DATA = 1 << 20
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def checked_schema(schema: str) -> str:
    """The schema name, refused unless a plain identifier (it is spliced into SQL; the config checks it too)."""
    if not _NAME.fullmatch(schema):
        raise ValueError(f"schema {schema[:70]!r}: lower-case letters, digits and _, at most 63")
    return schema


def events_channel(schema: str) -> str:
    return f"{checked_schema(schema)}_journal"


def presence_channel(schema: str) -> str:
    return f"{checked_schema(schema)}_presence"


def lock_key(schema: str) -> str:
    """The advisory lock every writer takes: one insert at a time keeps `seq` in commit order, so a reader's
    cursor never passes a row still to commit."""
    return f"tessa-tui journal {checked_schema(schema)}"


def create_sql(schema: str) -> str:
    """The whole schema, idempotent: run in one transaction under the writers' advisory lock."""
    s = checked_schema(schema)
    return f"""
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    incident text NOT NULL,
    at text NOT NULL,
    actor text NOT NULL,
    kind text NOT NULL,
    data text NOT NULL,
    hlc text NOT NULL,
    origin text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_sizes CHECK (
        octet_length(id) <= {MAX_ID} AND octet_length(incident) <= {MAX_ID} AND octet_length(at) <= 64
        AND octet_length(actor) <= {MAX_ID} AND octet_length(kind) <= {MAX_ID} AND octet_length(data) <= {MAX_DATA}
        AND octet_length(hlc) <= 64 AND octet_length(origin) <= 64)
);
CREATE INDEX IF NOT EXISTS events_numbered ON {s}.events (incident) WHERE kind = 'numbered';
CREATE OR REPLACE FUNCTION {s}.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the shared journal is append-only'; END $$;
DROP TRIGGER IF EXISTS events_append_only ON {s}.events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.append_only();
DROP TRIGGER IF EXISTS events_no_truncate ON {s}.events;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.append_only();
CREATE OR REPLACE FUNCTION {s}.announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('{events_channel(s)}', ''); RETURN NULL; END $$;
DROP TRIGGER IF EXISTS events_announce ON {s}.events;
CREATE TRIGGER events_announce AFTER INSERT ON {s}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.announce();
INSERT INTO {s}.meta (key, value) VALUES ('schema_version', '{SHARED_SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING;
"""


def grants(schema: str, role: str = "tessa_console") -> str:
    """The least a console's role needs: read and append the events, read the version; nothing else."""
    s = checked_schema(schema)
    return (
        f"CREATE ROLE {role} LOGIN PASSWORD '...';  -- or use an existing role\n"
        f"GRANT USAGE ON SCHEMA {s} TO {role};\n"
        f"GRANT SELECT, INSERT ON {s}.events TO {role};\n"
        f"GRANT SELECT ON {s}.meta TO {role};\n"
        f"-- no UPDATE, no DELETE, no TRUNCATE: the shared journal is append-only"
    )
