"""A git checkout as a deployment source: its latest commits on the branch, what a push-to-deploy platform ships.

`git log` runs without a shell, in its own process group, under the read's deadline (the group is killed when
it passes), with its output capped; it takes no lock (`GIT_OPTIONAL_LOCKS=0`) and never prompts. Fields are
NUL-separated (`-z`), which no commit subject or author name can contain, so a hostile message cannot shift them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from tessa_tui.config.deployments import DeploymentSource
from tessa_tui.deployments.deadline import Deadline
from tessa_tui.deployments.model import Deployment, clean, epoch_ms
from tessa_tui.deployments.vendor_http import Listing, SourceFailure

MAX_OUTPUT = 1024 * 1024
FIELDS = 4  # sha, commit time, author, subject
FORMAT = "%H%x00%ct%x00%an%x00%s"


async def read(source: DeploymentSource, limit: int, deadline: Deadline) -> Listing:
    """The branch's latest `limit` commits, newest first; SourceFailure when git is missing or refuses."""
    settings = source.git
    assert settings is not None
    branch = settings.branch
    if branch is None:
        head = await _git(settings.path, ["symbolic-ref", "--short", "-q", "HEAD"], deadline, allow_exit=(1,))
        branch = clean(head, 120) or "HEAD"
    revision = [settings.branch, "--"] if settings.branch else []
    output = await _git(settings.path, ["log", "-z", f"--max-count={limit}", f"--format={FORMAT}", *revision], deadline)
    parts = output.split("\0")
    found: list[Deployment] = []
    skipped = 0
    for start in range(0, len(parts) - FIELDS + 1, FIELDS):
        sha, stamp, author, subject = parts[start : start + FIELDS]
        sha = sha.strip()
        if len(sha) < 7 or not all(c in "0123456789abcdef" for c in sha):
            skipped += 1
            continue
        found.append(
            Deployment(
                source=source.name,
                kind="git",
                id=sha[:12],
                created_at=epoch_ms(int(stamp) * 1000) if stamp.isdigit() and len(stamp) < 12 else None,
                status="commit",
                target=clean(branch, 40),
                sha=sha[:40],
                message=clean(subject, 200),
                ref=clean(branch, 120),
                creator=clean(author, 80),
            )
        )
    return Listing(tuple(found), skipped, settings.path)


async def _git(folder: str, args: list[str], deadline: Deadline, allow_exit: tuple[int, ...] = ()) -> str:
    """git's stdout as text; SourceFailure with git's first line of complaint, or the deadline's."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C.UTF-8"}
    argv = ["git", "--no-pager", "-c", "color.ui=false", "-c", "i18n.logOutputEncoding=UTF-8", "-C", folder, *args]
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
    except OSError as exc:
        reason = "git is not installed" if isinstance(exc, FileNotFoundError) else (exc.strerror or str(exc))
        raise SourceFailure("failing", f"git: cannot start git: {clean(reason, 120)}") from None
    try:
        async with asyncio.timeout(deadline.left()):
            stdout, stderr = await asyncio.gather(_capped(process.stdout), _capped(process.stderr))
            code = await process.wait()
    except TimeoutError:
        raise SourceFailure("failing", f"git: no answer within the {deadline.seconds:g}s deadline (killed)") from None
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        # Read the pipes to their end: cut off with a full buffer, a pipe is never read to EOF, so wait() (which
        # waits for the pipes too) took 5 s more and the transport was left to a closed loop (a traceback at exit).
        with contextlib.suppress(ProcessLookupError, TimeoutError):
            async with asyncio.timeout(5):
                await asyncio.gather(_drain(process.stdout), _drain(process.stderr))
                await process.wait()
    if code != 0 and code not in allow_exit:
        said = next((line for line in stderr.splitlines() if line.strip()), f"exit {code}")
        raise SourceFailure("failing", f"git: {clean(said, 200)}")
    return stdout if code == 0 else ""


async def _capped(stream: asyncio.StreamReader | None) -> str:
    """Read to the end, keeping the first MAX_OUTPUT bytes (the rest drained, so git never blocks on us)."""
    if stream is None:
        return ""
    kept = bytearray()
    while chunk := await stream.read(64 * 1024):
        if len(kept) < MAX_OUTPUT:
            kept += chunk[: MAX_OUTPUT - len(kept)]
    return kept.decode("utf-8", errors="replace")


async def _drain(stream: asyncio.StreamReader | None) -> None:
    """Read what is left of a killed git's pipe, to its end."""
    while stream is not None and await stream.read(64 * 1024):
        pass
