"""The soak's report (benchmarks/soak.py): one minute's figures, the verdict, the CSV and the Markdown table."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass
class Sample:
    """One minute's figures; `phase`: the drill running then (a sample never falls in a flood)."""

    minute: int
    console_rss_mb: float
    console_fds: int
    console_threads: int
    asyncio_tasks: int
    workers: int
    console_cpu_pct: float
    platform_rss_mb: float
    phase: str


@dataclass
class RunNotes:
    """What the run saw besides the figures: its events, the console's tasks by coroutine, what tracemalloc found."""

    events: list[str] = field(default_factory=list)
    task_lists: dict[int, str] = field(default_factory=dict)
    """minute -> "coroutine count, ..." at minute 1, 5, the end and each new high after minute 5."""
    grew: list[str] = field(default_factory=list)


def sparkline(values: list[float]) -> str:
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values)


def slope_per_10_min(values: list[float]) -> float:
    """Least-squares slope of `values` (one a minute), per ten minutes."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    den = sum((x - mean_x) ** 2 for x in range(n))
    return num / den * 10


def verdict(samples: list[Sample]) -> list[str]:
    """RSS at the end against minute 5, and what fds, threads and tasks did after minute 5."""
    base = next((s for s in samples if s.minute == 5), samples[0])
    end = samples[-1]
    later = [s for s in samples if s.minute >= base.minute]
    ratio = end.console_rss_mb / base.console_rss_mb
    lines = [
        f"console RSS: {base.console_rss_mb:.1f} MB at minute {base.minute}, {end.console_rss_mb:.1f} MB at minute "
        f"{end.minute}, max {max(s.console_rss_mb for s in later):.1f}: ratio {ratio:.3f} (goal <= 1.1) "
        f"{'PASS' if ratio <= 1.1 else 'FAIL'}; trend from minute {base.minute}: "
        f"{slope_per_10_min([s.console_rss_mb for s in later]):+.2f} MB per 10 min",
        f"platform RSS: {base.platform_rss_mb:.1f} MB at minute {base.minute}, {end.platform_rss_mb:.1f} MB at the end",
    ]
    grew = []
    # A count grows when it ends above all it was in the first half (or five minutes): a one-off step, like the
    # widgets the first run of a drill mounts, is not growth; a leak keeps climbing. The five drills take 20
    # minutes to come round, so a run shorter than 40 can still flag a drill's first run near its end.
    half = max(base.minute, end.minute // 2)
    for name in ("console_fds", "console_threads", "asyncio_tasks", "workers"):
        first = max(getattr(s, name) for s in samples if s.minute <= half)
        at_base, at_end, top = getattr(base, name), getattr(end, name), max(getattr(s, name) for s in later)
        lines.append(
            f"{name}: {at_base} at minute {base.minute}, at most {first} by minute {half}, {at_end} at the end "
            f"(max {top} after minute {base.minute})"
        )
        if at_end > first:
            grew.append(name)
    ok = ratio <= 1.1 and not grew
    lines.append(
        "verdict: " + ("PASS: nothing grows after minute 5" if ok else f"FAIL: grew: {', '.join(grew) or 'RSS'}")
    )
    return lines


def write_results(samples: list[Sample], out: Path, meta: dict[str, str], setup: str, notes: RunNotes) -> Path:
    """soak-<date>.csv (one row a minute) and soak-<date>.md (verdict, curves, tasks, table, events) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"soak-{meta['date']}"
    names = [f.name for f in fields(Sample)]
    with stem.with_suffix(".csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(asdict(s) for s in samples)
    table = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    table += ["| " + " | ".join(str(getattr(s, n)) for n in names) + " |" for s in samples]
    sparks = [
        f"{name:16} {sparkline([float(getattr(s, name)) for s in samples])}  "
        f"{min(getattr(s, name) for s in samples)} .. {max(getattr(s, name) for s in samples)}"
        for name in names[1:-1]
    ]
    text = [
        f"# Soak: `tessa-tui demo`, {len(samples)} minutes ({meta['date']})",
        "",
        f"Commit {meta['commit']} ({meta['dirty']}); {meta['machine']}. {setup}",
        "",
        "## Verdict",
        "",
        *[f"- {line}" for line in verdict(samples)],
        "",
        "## Curves (minute 1 to the end, each scaled to its own min..max)",
        "",
        "```",
        *sparks,
        "```",
        "",
        "## The console's asyncio tasks by coroutine",
        "",
        *[f"- minute {minute}: {names}" for minute, names in notes.task_lists.items()],
        "",
        *(
            ["## Allocations grown since minute 5 (tracemalloc; newest frame first)", "", "```", *notes.grew, "```", ""]
            if notes.grew
            else []
        ),
        "## Per minute",
        "",
        *table,
        "",
        "## Events",
        "",
        "```",
        *notes.events,
        "```",
        "",
    ]
    stem.with_suffix(".md").write_text("\n".join(text), encoding="utf-8")
    return stem


def describe_tree() -> dict[str, str]:
    """The date, the commit the run starts on (others may commit meanwhile) and the machine."""

    def git(*argv: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *argv], capture_output=True, text=True).stdout.strip()

    dirty = len(git("status", "--porcelain", "--untracked-files=no").splitlines())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "commit": git("rev-parse", "--short=12", "HEAD"),
        "dirty": f"{dirty} tracked files with uncommitted changes" if dirty else "clean",
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
