"""The incident record's fixed words: milestones, roles and note sections.

Kept apart from the fold so that the command line can offer them as choices without loading the journal.
"""

from __future__ import annotations

MILESTONES = ("began", "detected", "acknowledged", "root_cause", "resolution_applied", "verified_resolved")
MILESTONE_LABELS = {
    "began": "Incident began",
    "detected": "Detected",
    "acknowledged": "On-call acknowledged",
    "root_cause": "Root cause identified",
    "resolution_applied": "Resolution applied",
    "verified_resolved": "Verified resolved",
}
ROLES = ("commander", "comms", "scribe")
NOTE_SECTIONS = (
    "note",
    "impact",
    "detection",
    "root_cause",
    "root_cause_why",
    "root_cause_missed",
    "resolution",
    "action_item",
)
