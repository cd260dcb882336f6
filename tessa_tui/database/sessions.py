"""What the sessions section says, read several ways: connections by state, long queries, the blocking tree,
and the pg_activity-style list with its sort, duration and state filter.

All of it is derived from one read of pg_stat_activity (database/queries.py SESSIONS), so the sections of one
poll agree with each other and the server is asked once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from tessa_tui.database.snapshot import Section

HOST_COLUMNS = ("cpu_percent", "memory_bytes", "read_bytes_per_s", "write_bytes_per_s")
"""Per-backend figures from this machine (database/host_processes.py), appended to every session row."""

SESSION_COLUMNS = (
    "pid",
    "database",
    "user",
    "application",
    "client",
    "state",
    "wait_event",
    "query_seconds",
    "transaction_seconds",
    "backend_seconds",
    "lock_mode",
    "lock_relation",
    "xmin_age",
    "blocked_by",
    "query",
)
"""What database/queries.py SESSIONS reads, in order (the columns of an empty read too)."""
SORTS = ("duration", "cpu", "memory", "io", "xmin age", "pid")
DURATIONS = ("query", "transaction", "backend")
STATE_FILTERS = ("not idle", "active", "waiting", "idle in transaction", "all")
LONG_QUERY_LIMIT = 50
TREE_LIMIT = 100

LONG_COLUMNS = ("pid", "database", "user", "application", "state", "seconds", "waiting_on", "query")
TREE_COLUMNS = ("tree", "pid", "database", "application", "state", "waits_for", "seconds", "query")
VIEW_COLUMNS = (
    "pid",
    "database",
    "user",
    "application",
    "client",
    "state",
    "wait_event",
    "lock",
    "seconds",
    "xmin_age",
    *HOST_COLUMNS,
    "query",
)


class Rows:
    """Session rows read by column name."""

    def __init__(self, section: Section) -> None:
        self.index = {name: i for i, name in enumerate(section.columns)}
        self.rows = section.rows

    def get(self, row: Sequence[Any], column: str) -> Any:
        i = self.index.get(column)
        return row[i] if i is not None else None


def blockers_of(value: Any) -> tuple[int, ...]:
    """The pids in a `blocked_by` cell (`"12,34"`); anything else is none."""
    if not isinstance(value, str):
        return ()
    return tuple(int(part) for part in value.split(",") if part.strip().isascii() and part.strip().isdigit())


def connections(sessions: Section) -> Section:
    """Client sessions counted by state, most first."""
    rows = Rows(sessions)
    counts = Counter(str(rows.get(row, "state") or "unknown") for row in rows.rows)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Section(
        "connections",
        "Connections by state",
        ("state", "connections"),
        tuple(ordered),
        note=sessions.note,
        error=sessions.error,
        fetched_at=sessions.fetched_at,
    )


def long_queries(sessions: Section, threshold_s: float) -> Section:
    """Sessions not idle whose statement has run longer than `threshold_s`, longest first."""
    rows = Rows(sessions)
    found = []
    for row in rows.rows:
        seconds = rows.get(row, "query_seconds")
        if rows.get(row, "state") in ("idle", "") or not isinstance(seconds, float) or seconds <= threshold_s:
            continue
        found.append(
            (
                rows.get(row, "pid"),
                rows.get(row, "database"),
                rows.get(row, "user"),
                rows.get(row, "application"),
                rows.get(row, "state"),
                seconds,
                rows.get(row, "wait_event") or "",
                rows.get(row, "query"),
            )
        )
    found.sort(key=lambda r: -float(r[5]))
    return Section(
        "long_queries",
        "Long-running queries",
        LONG_COLUMNS,
        tuple(found[:LONG_QUERY_LIMIT]),
        note=sessions.note,
        error=sessions.error,
        fetched_at=sessions.fetched_at,
    )


def blocking_tree(sessions: Section) -> Section:
    """Who blocks whom, as a tree: each root blocker first (the one to act on), then what waits behind it,
    indented, with the lock mode and relation each waits for. A blocker that is not a client session
    (autovacuum, a background worker) is a root of its own, said so."""
    rows = Rows(sessions)
    by_pid = {int(rows.get(row, "pid")): row for row in rows.rows}
    waits_on = {pid: blockers_of(rows.get(row, "blocked_by")) for pid, row in by_pid.items()}
    waits_on = {pid: blockers for pid, blockers in waits_on.items() if blockers}
    children: dict[int, list[int]] = {}
    for pid, blockers in sorted(waits_on.items()):
        children.setdefault(blockers[0], []).append(pid)  # under its first blocker; `waits_for` names the rest
    involved = set(children) | set(waits_on)

    def weight(pid: int) -> tuple[int, float]:
        seen: set[int] = set()
        stack = [pid]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        seconds = rows.get(by_pid[pid], "transaction_seconds") if pid in by_pid else None
        return len(seen), float(seconds) if isinstance(seconds, float) else 0.0

    roots = [pid for pid in involved if pid not in waits_on]
    shown: list[tuple[Any, ...]] = []
    placed: set[int] = set()

    def place(pid: int, depth: int) -> None:
        if pid in placed or len(shown) >= TREE_LIMIT:
            return
        placed.add(pid)
        shown.append(_tree_row(rows, by_pid.get(pid), pid, depth, waits_on.get(pid, ())))
        for child in children.get(pid, ()):
            place(child, depth + 1)

    for root in sorted(roots, key=lambda p: (-weight(p)[0], -weight(p)[1], p)):
        place(root, 0)
    # Waiters in a cycle (a deadlock not yet detected) have no root: start from the lowest pid of each.
    for pid in sorted(involved - placed):
        place(pid, 0)
    return Section(
        "blocking",
        "Blocking locks (root blocker first)",
        TREE_COLUMNS,
        tuple(shown),
        note=sessions.note,
        error=sessions.error,
        fetched_at=sessions.fetched_at,
    )


def _tree_row(
    rows: Rows, row: Sequence[Any] | None, pid: int, depth: int, blockers: tuple[int, ...]
) -> tuple[Any, ...]:
    label = ("   " * (depth - 1) + " └─ " if depth else "") + str(pid)
    if row is None:
        return (label, pid, "", "", "", "not a client session (autovacuum or a background process)", None, "")
    if blockers:
        mode, relation = rows.get(row, "lock_mode"), rows.get(row, "lock_relation")
        what = f"{mode or 'a lock'} on {relation or 'an object'}"
        waits_for = f"{what}, behind {', '.join(map(str, blockers))}"
        seconds = rows.get(row, "query_seconds")
    else:
        waits_for = "holds the lock" + (f" ({rows.get(row, 'state')})" if rows.get(row, "state") else "")
        seconds = rows.get(row, "transaction_seconds")
    return (
        label,
        pid,
        rows.get(row, "database"),
        rows.get(row, "application"),
        rows.get(row, "state"),
        waits_for,
        seconds,
        rows.get(row, "query"),
    )


def session_view(
    sessions: Section, *, sort: str = "duration", duration: str = "query", states: str = "not idle"
) -> Section:
    """The sessions as the pane lists them: filtered by state, one duration column (query, transaction or
    backend), sorted largest first (pid: ascending). Unknown choices fall back to the defaults."""
    rows = Rows(sessions)
    duration = duration if duration in DURATIONS else "query"
    states = states if states in STATE_FILTERS else "not idle"
    sort = sort if sort in SORTS else "duration"
    picked = [row for row in rows.rows if _state_matches(rows, row, states)]

    def number(row: Sequence[Any], *columns: str) -> float:
        values = [rows.get(row, c) for c in columns]
        found = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        return sum(found) if found else -1.0

    keys = {
        "duration": lambda row: -number(row, f"{duration}_seconds"),
        "cpu": lambda row: -number(row, "cpu_percent"),
        "memory": lambda row: -number(row, "memory_bytes"),
        "io": lambda row: -number(row, "read_bytes_per_s", "write_bytes_per_s"),
        "xmin age": lambda row: -number(row, "xmin_age"),
        "pid": lambda row: number(row, "pid"),
    }
    picked.sort(key=keys[sort])
    view = []
    for row in picked:
        mode, relation = rows.get(row, "lock_mode"), rows.get(row, "lock_relation")
        lock = f"{mode} on {relation}" if mode else ""
        view.append(
            (
                *(rows.get(row, c) for c in ("pid", "database", "user", "application", "client", "state")),
                rows.get(row, "wait_event"),
                lock,
                rows.get(row, f"{duration}_seconds"),
                rows.get(row, "xmin_age"),
                *(rows.get(row, c) for c in HOST_COLUMNS),
                rows.get(row, "query"),
            )
        )
    columns = tuple(f"{duration}_seconds" if c == "seconds" else c for c in VIEW_COLUMNS)
    title = f"Sessions: {states}, by {sort}, {duration} time ({len(view)} of {len(rows.rows)})"
    return Section(
        "sessions",
        title,
        columns,
        tuple(view),
        note=sessions.note,
        error=sessions.error,
        fetched_at=sessions.fetched_at,
    )


def _state_matches(rows: Rows, row: Sequence[Any], states: str) -> bool:
    state = rows.get(row, "state")
    if states == "all":
        return True
    if states == "not idle":
        return str(state) != "idle"
    if states == "waiting":
        return bool(blockers_of(rows.get(row, "blocked_by"))) or str(rows.get(row, "wait_event")).startswith("Lock:")
    return str(state) == states


def xmin_holder(sessions: Section) -> tuple[int, int] | None:
    """The session holding the oldest transaction-id horizon back (what keeps vacuum from cleaning), as
    (pid, xmin age); None when no session holds one."""
    rows = Rows(sessions)
    aged = [
        (int(rows.get(row, "xmin_age")), int(rows.get(row, "pid")))
        for row in rows.rows
        if isinstance(rows.get(row, "xmin_age"), int)
    ]
    if not aged:
        return None
    age, pid = max(aged)
    return pid, age
