"""The database monitor's SQL: one statement per section, all read-only, none opening a relation that a lock
queue could make it wait for, none listing the monitor's own sessions or statements.

Every statement the monitor sends starts with OWN_MARK, and its sessions carry application_name MONITOR_APP:
pg_stat_activity is filtered by the name, pg_stat_statements (which has no application name) by the mark.
"""

from __future__ import annotations

MONITOR_APP = "tessa-tui"
OWN_MARK = "/* tessa-tui monitor */ "

SERVER = """
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_setting('max_connections')::int AS max_connections,
       current_database() AS database,
       coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
       pg_is_in_recovery() AS in_recovery,
       (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS pgss_version,
       pg_backend_pid() AS backend_pid,
       (SELECT extract(epoch FROM backend_start)::float8 FROM pg_stat_activity WHERE pid = pg_backend_pid())
           AS backend_start_epoch,
       CASE WHEN current_setting('server_version_num')::int >= 150000  -- CASE: the function is new in 15
            THEN has_function_privilege('pg_stat_force_next_flush()', 'EXECUTE') ELSE false END AS can_flush_stats
"""

DATABASE_SIZE = "SELECT pg_database_size(current_database())::bigint AS bytes"

# pg_stat_statements renamed its timing columns in extension version 1.8 (PostgreSQL 13): the
# extension's version decides, not the server's.
SLOW_QUERIES = """
SELECT calls::bigint AS calls, {mean}::float8 AS mean_ms, {total}::float8 AS total_ms, rows::bigint AS rows,
       left(query, 300) AS query
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE '/* tessa-tui monitor */%'
ORDER BY {mean} DESC LIMIT 10
"""

# Every client session but the monitor's (any database: `database` says which), with what it waits for. pg_locks
# is read only when some session waits on a lock (the one-time filter skips the scan otherwise), and
# pg_blocking_pids() is called only for those sessions: both take the lock manager's partition locks.
SESSIONS = """
WITH waits AS MATERIALIZED (
    SELECT l.pid, l.mode, l.locktype, l.relation, l.database
    FROM pg_locks AS l
    WHERE NOT l.granted AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock')
)
SELECT a.pid, coalesce(a.datname, '') AS database, coalesce(a.usename, '') AS "user",
       coalesce(a.application_name, '') AS application,
       coalesce(host(a.client_addr), CASE WHEN a.client_port = -1 THEN 'local' END, '') AS client,
       coalesce(a.state, '') AS state, coalesce(a.wait_event_type || ':' || a.wait_event, '') AS wait_event,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS query_seconds,
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS transaction_seconds,
       extract(epoch FROM clock_timestamp() - a.backend_start)::float8 AS backend_seconds,
       w.mode AS lock_mode,
       CASE WHEN w.relation IS NULL THEN w.locktype
            WHEN w.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                THEN w.relation::regclass::text
            ELSE 'relation ' || w.relation END AS lock_relation,
       greatest(age(a.backend_xmin), age(a.backend_xid))::bigint AS xmin_age,
       CASE WHEN a.wait_event_type = 'Lock' THEN array_to_string(pg_blocking_pids(a.pid), ',') ELSE '' END
           AS blocked_by,
       left(a.query, 500) AS query
FROM pg_stat_activity AS a
LEFT JOIN LATERAL (SELECT * FROM waits WHERE waits.pid = a.pid LIMIT 1) AS w ON true
WHERE a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
  AND coalesce(a.application_name, '') <> 'tessa-tui'
ORDER BY a.pid
"""

# The monitored database's counters; the rates between two polls are worked out by database/rates.py.
DATABASE_STATS = """
SELECT xact_commit::bigint AS xact_commit, xact_rollback::bigint AS xact_rollback, blks_read::bigint AS blks_read,
       blks_hit::bigint AS blks_hit, temp_files::bigint AS temp_files, temp_bytes::bigint AS temp_bytes,
       deadlocks::bigint AS deadlocks, conflicts::bigint AS conflicts, stats_reset,
       extract(epoch FROM clock_timestamp())::float8 AS server_epoch
FROM pg_stat_database WHERE datname = current_database()
"""

VACUUM_PROGRESS = """
SELECT p.pid, coalesce(p.datname, '') AS database, coalesce(p.relid::regclass::text, '') AS "table", p.phase,
       CASE WHEN a.query ILIKE 'autovacuum:%' THEN 'autovacuum' ELSE 'vacuum' END AS kind,
       round(100.0 * p.heap_blks_scanned / nullif(p.heap_blks_total, 0), 1)::float8 AS scanned_pct,
       round(100.0 * p.heap_blks_vacuumed / nullif(p.heap_blks_total, 0), 1)::float8 AS vacuumed_pct,
       p.index_vacuum_count::bigint AS index_passes,
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS seconds
FROM pg_stat_progress_vacuum AS p LEFT JOIN pg_stat_activity AS a ON a.pid = p.pid
ORDER BY seconds DESC NULLS LAST
"""

# PostgreSQL 17 moved the checkpoint counters to pg_stat_checkpointer.
CHECKPOINTS = """
SELECT checkpoints_timed::bigint AS timed, checkpoints_req::bigint AS requested,
       (checkpoint_write_time / 1000)::float8 AS write_seconds, (checkpoint_sync_time / 1000)::float8 AS sync_seconds,
       buffers_checkpoint::bigint * current_setting('block_size')::bigint AS written_bytes, stats_reset
FROM pg_stat_bgwriter
"""

CHECKPOINTS_17 = """
SELECT num_timed::bigint AS timed, num_requested::bigint AS requested,
       (write_time / 1000)::float8 AS write_seconds, (sync_time / 1000)::float8 AS sync_seconds,
       buffers_written::bigint * current_setting('block_size')::bigint AS written_bytes, stats_reset
FROM pg_stat_checkpointer
"""

REPLICATION_SLOTS = """
SELECT slot_name AS slot, slot_type AS type, coalesce(database, '') AS database, active,
       age(xmin)::bigint AS xmin_age,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint END AS retained_wal_bytes
FROM pg_replication_slots ORDER BY retained_wal_bytes DESC NULLS LAST, slot_name
"""

REPLICATION = """
SELECT application_name AS replica, client_addr::text AS address, state,
       extract(epoch FROM replay_lag)::float8 AS replay_lag_seconds,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes
FROM pg_stat_replication ORDER BY 1
"""

# Sizes never wait on a lock (a size function opens the relation: behind a queued ACCESS EXCLUSIVE it waits
# like everyone else). The 50 largest by the planner's page counts (pg_class: no lock) are candidates; those with
# an ACCESS EXCLUSIVE lock held or asked for, or any lock request waiting, on the table, its TOAST table or an
# index are not opened: their size is the page-count estimate and `size_source` says why. CASE evaluates the size
# functions only for the others. With fewer than 50 tables the pick is exact; beyond, a table never vacuumed or
# analyzed (relpages 0) can be missed.
TOP_TABLES = """
WITH queued AS (
    SELECT DISTINCT relation FROM pg_locks
    WHERE locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND (NOT granted OR mode = 'AccessExclusiveLock')
), candidates AS (
    SELECT c.oid, n.nspname, c.relname, c.reltoastrelid, c.reltuples,
           (c.relpages::bigint + coalesce(t.relpages, 0) + coalesce(i.pages, 0))
               * current_setting('block_size')::bigint AS estimated_bytes,
           c.relpages::bigint * current_setting('block_size')::bigint AS estimated_table_bytes,
           coalesce(i.pages, 0) * current_setting('block_size')::bigint AS estimated_index_bytes,
           coalesce(t.relpages, 0)::bigint * current_setting('block_size')::bigint AS estimated_toast_bytes,
           (c.oid IN (SELECT relation FROM queued) OR c.reltoastrelid IN (SELECT relation FROM queued)
            OR EXISTS (SELECT 1 FROM pg_index AS x WHERE x.indrelid = c.oid
                       AND x.indexrelid IN (SELECT relation FROM queued))) AS locked
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    LEFT JOIN pg_class AS t ON t.oid = c.reltoastrelid
    LEFT JOIN LATERAL (SELECT sum(ic.relpages)::bigint AS pages FROM pg_index AS x
                       JOIN pg_class AS ic ON ic.oid = x.indexrelid WHERE x.indrelid = c.oid) AS i ON true
    WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%'
    ORDER BY estimated_bytes DESC
    LIMIT 50
), sized AS (
    SELECT nspname, relname, reltuples, locked,
           CASE WHEN locked THEN estimated_bytes ELSE pg_total_relation_size(oid) END AS total_bytes,
           CASE WHEN locked THEN estimated_table_bytes ELSE pg_relation_size(oid) END AS table_bytes,
           CASE WHEN locked THEN estimated_index_bytes ELSE pg_indexes_size(oid) END AS index_bytes,
           CASE WHEN locked THEN estimated_toast_bytes
                ELSE coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0) END AS toast_bytes
    FROM candidates
)
SELECT nspname AS schema, relname AS "table", total_bytes::bigint AS total_bytes, table_bytes::bigint AS table_bytes,
       index_bytes::bigint AS index_bytes, toast_bytes::bigint AS toast_bytes,
       greatest(reltuples, 0)::bigint AS estimated_rows,
       CASE WHEN locked THEN 'estimate: lock queue' ELSE 'exact' END AS size_source
FROM sized ORDER BY total_bytes DESC LIMIT 10
"""

# TOP_TABLES with no size function at all: what the section shows when a lock queue formed during its read.
TOP_TABLES_ESTIMATED = TOP_TABLES.replace("CASE WHEN locked THEN", "CASE WHEN true THEN")

# n_live_tup is 0 after a statistics reset (or a crash) until the next vacuum or analyze: the planner's
# reltuples (kept in pg_class, not reset) is the live count then, so a few dead rows are not "100 % dead".
VACUUM = """
SELECT s.schemaname AS schema, s.relname AS "table",
       greatest(s.n_live_tup, c.reltuples, 0)::bigint AS live_rows, s.n_dead_tup::bigint AS dead_rows,
       round((100.0 * s.n_dead_tup / greatest(greatest(s.n_live_tup, c.reltuples, 0) + s.n_dead_tup, 1))::numeric, 1)
           ::float8 AS dead_pct,
       extract(epoch FROM clock_timestamp() - greatest(s.last_vacuum, s.last_autovacuum))::float8 AS vacuum_age_seconds,
       extract(epoch FROM clock_timestamp() - greatest(s.last_analyze, s.last_autoanalyze))::float8
           AS analyze_age_seconds
FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
ORDER BY s.n_dead_tup DESC, s.relname LIMIT 10
"""

# Table sizes from the planner's page counts: pg_relation_size would open (and so wait on) each table.
MISSING_INDEXES = """
SELECT s.schemaname AS schema, s.relname AS "table", s.seq_scan::bigint AS seq_scans,
       coalesce(s.idx_scan, 0)::bigint AS index_scans, s.seq_tup_read::bigint AS rows_read_by_seq_scans,
       (c.relpages::bigint * current_setting('block_size')::bigint) AS table_bytes
FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
WHERE c.relpages::bigint * current_setting('block_size')::bigint > 1024 * 1024
  AND s.seq_scan > coalesce(s.idx_scan, 0) AND s.seq_tup_read > 100000
ORDER BY s.seq_tup_read DESC LIMIT 10
"""

WRAPAROUND = """
SELECT datname AS database, age(datfrozenxid)::bigint AS xid_age,
       round(100.0 * age(datfrozenxid) / 2000000000, 2)::float8 AS pct_to_wraparound
FROM pg_database WHERE datallowconn ORDER BY 2 DESC LIMIT 5
"""
