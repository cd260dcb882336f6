"""The database monitor's SQL: one statement per section, all read-only, none listing our own session."""

from __future__ import annotations

SERVER = """
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_setting('max_connections')::int AS max_connections,
       current_database() AS database,
       coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
       pg_is_in_recovery() AS in_recovery,
       (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS pgss_version
"""

DATABASE_SIZE = "SELECT pg_database_size(current_database())::bigint AS bytes"

CONNECTIONS = """
SELECT coalesce(state, 'unknown') AS state, count(*)::int AS connections
FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'
GROUP BY 1 ORDER BY 2 DESC, 1
"""

LONG_QUERIES = """
SELECT pid, usename AS "user", application_name AS application, state,
       extract(epoch FROM clock_timestamp() - query_start)::float8 AS seconds,
       coalesce(wait_event_type || ':' || wait_event, '') AS waiting_on, left(query, 500) AS query
FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND state NOT IN ('idle')
  AND query_start < clock_timestamp() - make_interval(secs => $1)
ORDER BY query_start LIMIT 50
"""

# pg_blocking_pids() briefly locks the lock manager: call it only for sessions that wait on a lock.
BLOCKING = """
SELECT blocked.pid AS blocked_pid, blocked.application_name AS blocked_application,
       extract(epoch FROM clock_timestamp() - blocked.query_start)::float8 AS waiting_seconds,
       blocker.pid AS blocking_pid, blocker.application_name AS blocking_application,
       blocker.state AS blocking_state, left(blocked.query, 200) AS blocked_query,
       left(blocker.query, 200) AS blocking_query
FROM pg_stat_activity AS blocked
CROSS JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid)
JOIN pg_stat_activity AS blocker ON blocker.pid = b.pid
WHERE blocked.pid <> pg_backend_pid() AND blocked.wait_event_type = 'Lock'
ORDER BY waiting_seconds DESC NULLS LAST LIMIT 50
"""

# pg_stat_statements renamed its timing columns in extension version 1.8 (PostgreSQL 13): the
# extension's version decides, not the server's.
SLOW_QUERIES = """
SELECT calls::bigint AS calls, {mean}::float8 AS mean_ms, {total}::float8 AS total_ms, rows::bigint AS rows,
       left(query, 300) AS query
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY {mean} DESC LIMIT 10
"""

REPLICATION = """
SELECT application_name AS replica, client_addr::text AS address, state,
       extract(epoch FROM replay_lag)::float8 AS replay_lag_seconds,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes
FROM pg_stat_replication ORDER BY 1
"""

# Exact sizes touch every file of every table (two thirds of a poll at 5,000 tables, benchmarks/db_poll.py),
# so the 50 largest by the planner's page counts are sized exactly and the top 10 of those shown. With fewer
# than 50 tables that is exact; beyond, a table never vacuumed or analyzed (relpages 0) can be missed.
TOP_TABLES = """
WITH candidates AS (
    SELECT c.oid, n.nspname, c.relname, c.reltoastrelid, c.reltuples
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    LEFT JOIN pg_class AS t ON t.oid = c.reltoastrelid
    WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%'
    ORDER BY c.relpages::bigint + coalesce(t.relpages, 0)
             + coalesce((SELECT sum(i.relpages) FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid
                         WHERE x.indrelid = c.oid), 0) DESC
    LIMIT 50
)
SELECT nspname AS schema, relname AS "table", pg_total_relation_size(oid)::bigint AS total_bytes,
       pg_relation_size(oid)::bigint AS table_bytes, pg_indexes_size(oid)::bigint AS index_bytes,
       coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0)::bigint AS toast_bytes,
       greatest(reltuples, 0)::bigint AS estimated_rows
FROM candidates ORDER BY total_bytes DESC LIMIT 10
"""

VACUUM = """
SELECT schemaname AS schema, relname AS "table", n_live_tup::bigint AS live_rows, n_dead_tup::bigint AS dead_rows,
       round(100.0 * n_dead_tup / greatest(n_live_tup + n_dead_tup, 1), 1)::float8 AS dead_pct,
       extract(epoch FROM clock_timestamp() - greatest(last_vacuum, last_autovacuum))::float8 AS vacuum_age_seconds,
       extract(epoch FROM clock_timestamp() - greatest(last_analyze, last_autoanalyze))::float8 AS analyze_age_seconds
FROM pg_stat_user_tables ORDER BY n_dead_tup DESC, relname LIMIT 10
"""

MISSING_INDEXES = """
SELECT schemaname AS schema, relname AS "table", seq_scan::bigint AS seq_scans,
       coalesce(idx_scan, 0)::bigint AS index_scans, seq_tup_read::bigint AS rows_read_by_seq_scans,
       pg_relation_size(relid)::bigint AS table_bytes
FROM pg_stat_user_tables
WHERE pg_relation_size(relid) > 1024 * 1024 AND seq_scan > coalesce(idx_scan, 0) AND seq_tup_read > 100000
ORDER BY seq_tup_read DESC LIMIT 10
"""

WRAPAROUND = """
SELECT datname AS database, age(datfrozenxid)::bigint AS xid_age,
       round(100.0 * age(datfrozenxid) / 2000000000, 2)::float8 AS pct_to_wraparound
FROM pg_database WHERE datallowconn ORDER BY 2 DESC LIMIT 5
"""
