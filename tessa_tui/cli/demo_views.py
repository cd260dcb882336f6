"""`tessa-tui demo --slack` and `--env`: what the running demo's simulated Slack channel holds, and the
environment its config reads (the simulated integrations' credentials, the demo's `supabase` first on PATH)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from tessa_tui.demo.demo_config import demo_environment


def environment(folder: Path) -> dict[str, str]:
    """What the demo config needs in the environment: the simulated integrations' credentials, and the demo's
    `supabase` stand-in (its state dir's bin/) first on PATH, so the runbooks' supabase steps reach the demo."""
    return {**demo_environment(), "PATH": f"{folder / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}


def print_env(folder: Path, config: Path | None) -> int:
    """`export` lines for another shell: the credentials, the PATH and, with a demo running, its config as
    $TESSA_CONFIG, so `tessa-tui metrics`, `deployments` or `logs NAME` there read the demo as the console does."""
    exported = environment(folder) | ({"TESSA_CONFIG": str(config)} if config is not None else {})
    for name, value in exported.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def print_slack(base_url: str) -> int:
    from tessa_tui.demo.control import slack_channel

    channel, messages = slack_channel(f"{base_url}/_demo")
    print(f"{channel}: {len(messages)} message{'' if len(messages) == 1 else 's'}")
    for message in messages:
        print(f"\n[{message['at']}] via {message['via']}\n{message['text']}")
    return 0
