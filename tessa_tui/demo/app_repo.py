"""The demo app's git checkout (the `repo_path` placeholder): a small repository with recent commits, so the
runbooks' `git log` steps (recent deployments, auth config changes, a function's history) show something real."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

# (minutes ago, path, content, message), oldest first
COMMITS = (
    (
        600,
        "supabase/config.toml",
        '[auth]\nsite_url = "http://127.0.0.1"\njwt_expiry = 3600\n',
        "chore: initial Supabase config",
    ),
    (420, "supabase/functions/chat/index.ts", 'export const model = "gpt-4o-mini";\n', "feat(chat): edge function"),
    (300, "supabase/functions/sync/index.ts", "export const batch = 100;\n", "feat(sync): batch the queue"),
    (
        90,
        "supabase/config.toml",
        '[auth]\nsite_url = "http://127.0.0.1"\njwt_expiry = 1800\n',
        "auth: shorter JWT expiry",
    ),
    (
        45,
        "supabase/functions/chat/index.ts",
        'export const model = "gpt-4o-mini";\nexport const timeoutMs = 2500;\n',
        "fix(chat): time out OpenAI calls after 2.5 s",
    ),
    (20, "web/version.txt", "1.42.0\n", "release: frontend 1.42.0"),
)


def create_app_repo(folder: Path) -> bool:
    """(Re)create the repository with commits dated relative to now; False when git is not installed."""
    git = shutil.which("git")
    if git is None:
        return False
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Demo Developer",
        "GIT_AUTHOR_EMAIL": "dev@tessa-demo.example",
        "GIT_COMMITTER_NAME": "Demo Developer",
        "GIT_COMMITTER_EMAIL": "dev@tessa-demo.example",
    }

    def run(*args: str, **extra: str) -> None:
        subprocess.run([git, "-C", str(folder), *args], env={**env, **extra}, check=True, capture_output=True)

    run("init", "-q", "-b", "main")
    now = datetime.now(UTC)
    for minutes, path, content, message in COMMITS:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        run("add", path)
        when = (now - timedelta(minutes=minutes)).isoformat(timespec="seconds")
        run("commit", "-q", "-m", message, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return True
