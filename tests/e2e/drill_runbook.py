"""The local runbook the tmux tests drive: a step that asks a value and a destructive one, both local `echo`s."""

from __future__ import annotations


def drill_runbook(runbook_id: str, title: str) -> str:
    """The runbook's YAML under `runbook_id` and `title` (each test file its own, so screens tell them apart)."""
    return f"""\
id: {runbook_id}
title: "{title}"
kind: procedure
summary: Two steps that run locally.
symptoms: [drill]
phases:
  - name: Drill
    steps:
      - id: echo-target
        text: Echo the target back
        action:
          run: [echo, "target={{target}}"]
          ask: [target]
      - id: wipe
        text: Wipe the scratch file
        destructive: true
        confirm: WIPE
        action:
          run: [echo, wiped]
"""
