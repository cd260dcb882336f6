"""The console's remappable key bindings: ids, default keys and what each does.

The UI declares its bindings from this table, so a `keymap:` entry in the config can be
validated (with did-you-mean) without the engine importing the UI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeySpec:
    """One bindable action: its stable id, default key(s) and help text."""

    id: str
    key: str
    description: str
    label: str = ""
    """Short form for the footer; the description when empty."""


KEYS: tuple[KeySpec, ...] = (
    KeySpec("quit", "q", "Quit"),
    KeySpec("help", "question_mark", "Help: every key", "Help"),
    KeySpec("command_palette", "ctrl+p", "Command palette", "Palette"),
    KeySpec("focus_services", "1", "Focus the services pane", "Services"),
    KeySpec("focus_incident", "2", "Focus the incident pane", "Incident"),
    KeySpec("focus_logs", "3", "Focus the logs pane", "Logs"),
    KeySpec("focus_database", "4", "Focus the database pane", "Database"),
    KeySpec("maximize", "z", "Maximise / restore the focused pane", "Zoom"),
    KeySpec("high_contrast", "ctrl+t", "Toggle the high-contrast theme", "Contrast"),
    KeySpec("command_mode", "colon", "Command line: :sev1 <title>, :ack, :runbook <query>, :note <text>", "Command"),
    KeySpec("contacts", "c", "Contacts, escalation, vendors and the quick reference (enter copies)", "Contacts"),
    KeySpec("close", "escape", "Close this screen", "Close"),
    KeySpec("details", "enter", "Details of the selected row; open the incident", "Details"),
    KeySpec("declare", "d", "Declare an incident (then 1-4 or enter picks the severity)", "Declare"),
    KeySpec("acknowledge", "a", "Acknowledge the incident (stops the response clock)", "Ack"),
    KeySpec("tick", "space", "Tick / untick the selected step (retry one NOT SAVED)", "Tick"),
    KeySpec("run_step", "g", "Run the selected step's action (a destructive one after typing its word)", "Run"),
    KeySpec("step_output", "v", "View the selected step's last action result in full", "Output"),
    KeySpec("note", "n", "Add a note, root cause, impact or action item", "Note"),
    KeySpec("milestone", "m", "Set a post-mortem milestone", "Milestone"),
    KeySpec("severity", "s", "Change the severity (its procedure replaces the old one)", "Sev"),
    KeySpec("attach", "plus", "Attach a runbook (search by title or symptom)", "Runbook"),
    KeySpec("assign_role", "o", "Assign a role: commander, comms, scribe", "Role"),
    KeySpec("resolve", "r", "Resolve the incident (or reopen a resolved one)", "Resolve"),
    KeySpec("stakeholder_update", "u", "Record a stakeholder update posted by hand (restarts its clock)", "Update"),
    KeySpec("verify", "V", "Verify a resolved incident: its services are healthy again (Verified resolved)", "Verify"),
    KeySpec("timeline", "t", "Show the timeline full width / beside the checklist", "Timeline"),
    KeySpec("war_room", "w", "War room: the active incident full screen, for the room", "War room"),
    KeySpec(
        "deployments_view",
        "D",
        "Deployments: the latest of every source, those of the last 2 hours marked (the SEV1 step)",
        "Deploys",
    ),
    KeySpec(
        "metrics_view",
        "M",
        "Metrics: CPU, memory, connections, error rate, p95 ... as tiles with their trend, state and age",
        "Metrics",
    ),
    KeySpec(
        "cancel_query",
        "x",
        "Cancel or end the selected query (confirmed, recorded)",
        "Cancel query",
    ),
    KeySpec("sessions_sort", "S", "Sessions: next sort (duration, CPU, memory, I/O, xmin age, pid)", "Sort"),
    KeySpec("sessions_duration", "T", "Sessions: the duration shown (query, transaction, backend)", "Duration"),
    KeySpec(
        "sessions_states",
        "f",
        "Sessions: states listed (not idle, active, waiting, idle in transaction, all)",
        "States",
    ),
    KeySpec("list_filter", "slash", "Filter this list: type words (all must appear); escape clears", "Filter"),
    KeySpec("log_filter", "slash", "Filter logs: words, re:, level:, source:, ! inverts", "Filter"),
    KeySpec("log_pause", "p", "Pause / resume the logs (the backlog is counted)", "Pause"),
    KeySpec("pin_log", "i", "Pin the selected log line to the open incident", "Pin"),
    KeySpec("log_next_source", "right_square_bracket", "Logs: next source tab", "Next source"),
    KeySpec("log_previous_source", "left_square_bracket", "Logs: previous source tab", "Prev source"),
    KeySpec("export", "e", "Write the post-mortem (Markdown + JSON) beside the journal", "Export"),
)

KEY_BY_ID: dict[str, KeySpec] = {spec.id: spec for spec in KEYS}
