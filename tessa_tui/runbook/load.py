"""Loading runbooks: the shipped pack plus the directories in config, each file validated with file:line errors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tessa_tui.base.errors import UserError
from tessa_tui.base.safe_yaml import load_yaml_file
from tessa_tui.base.user_dirs import home_path
from tessa_tui.config.typed_yaml import convert_document, json_schema
from tessa_tui.runbook.model import Runbook
from tessa_tui.runbook.placeholders import STANDARD, unknown_placeholders


def load_runbook(path: Path, known: Iterable[str] = ()) -> Runbook:
    """One runbook file, validated; UserError naming file, line and field otherwise. `known`: placeholder
    names the config defines, beside the built-in and standard ones."""
    document = load_yaml_file(path)
    if not isinstance(document.data, dict):
        raise UserError("a runbook file is a mapping with id, title, kind and phases", source=str(path), line=1)
    runbook = convert_document(document.data, Runbook, document)
    if runbook.id != path.stem:
        raise UserError(
            f"id {runbook.id!r} does not match the file name; name the file {runbook.id}.yaml",
            source=str(path),
            line=document.line_of(("id",)),
            field="id",
        )
    for _, step in runbook.steps():
        unknown = unknown_placeholders(step.action, set(known)) if step.action else []
        if unknown:
            location = (*_step_location(document.data, step.id), "action")
            raise UserError(
                f"unknown placeholder {{{unknown[0]}}}: not built in, not standard ({', '.join(sorted(STANDARD))}), "
                "not under `placeholders:` in tessa.yaml and not in the step's `ask`",
                source=str(path),
                line=document.line_of(location),
                field=f"step {step.id}: action",
            )
    return runbook


@dataclass
class RunbookPack:
    """Every runbook by id, and where each came from (a later directory overrides the shipped pack)."""

    runbooks: dict[str, Runbook] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)

    def get(self, runbook_id: str) -> Runbook:
        try:
            return self.runbooks[runbook_id]
        except KeyError:
            raise UserError(f"no runbook {runbook_id!r}; `tessa-tui runbook list` shows them") from None

    def search(self, query: str) -> list[Runbook]:
        """Runbooks whose id, title, kind, summary or symptoms contain every word of `query`, best first."""
        words = query.lower().split()
        found = [r for r in self.runbooks.values() if all(w in r.search_text() for w in words)]
        return sorted(found, key=lambda r: (-relevance(r, words), r.title))


def relevance(runbook: Runbook, words: list[str]) -> float:
    """How well the words name this runbook: a symptom or title word starting with one counts most, so "503"
    finds Service Unavailable and "slow" Database slow queries before runbooks that merely mention them."""
    symptom_words = {w for s in runbook.symptoms for w in s.lower().split()}
    title_words = runbook.title.lower().split()
    score = 0.0
    for word in words:
        if any(s.lower() == word for s in runbook.symptoms):
            score += 5
        elif any(t.startswith(word) for t in title_words):
            score += 4
        elif any(t.startswith(word) for t in symptom_words):
            score += 3
        else:
            score += 1
    return score + (0.5 if runbook.kind == "issue" else 0)


def runbook_files(directories: Iterable[Path]) -> list[Path]:
    """The YAML files of `directories`, in order, each directory's files sorted."""
    files: list[Path] = []
    for directory in directories:
        if not directory.is_dir():
            raise UserError("runbook directory does not exist", source=str(directory))
        files += sorted(p for p in directory.iterdir() if p.suffix in {".yaml", ".yml"})
    return files


def load_pack(directories: Sequence[Path], known: Iterable[str] = ()) -> RunbookPack:
    """All runbooks from `directories` (later ones override earlier ones by id); links must resolve."""
    pack = RunbookPack()
    for path in runbook_files(directories):
        runbook = load_runbook(path, known)
        pack.runbooks[runbook.id] = runbook
        pack.sources[runbook.id] = path
    check_links(pack)
    return pack


def check_links(pack: RunbookPack) -> None:
    """Every `link` names a runbook in the pack."""
    for runbook_id, runbook in pack.runbooks.items():
        for _, step in runbook.steps():
            if step.link is not None and step.link not in pack.runbooks:
                path = pack.sources.get(runbook_id)
                document = load_yaml_file(path) if path else None
                line = document.line_of((*_step_location(document.data, step.id), "link")) if document else None
                raise UserError(
                    f"links to {step.link!r}, which is not a runbook in the pack",
                    source=str(path or runbook_id),
                    line=line,
                    field=f"step {step.id}: link",
                )


def _step_location(data: Any, step_id: str) -> tuple[str | int, ...]:
    for p, phase in enumerate(data.get("phases", [])):
        for s, step in enumerate(phase.get("steps", [])):
            if step.get("id") == step_id:
                return ("phases", p, "steps", s)
    return ()


def configured_pack(extra: Sequence[str], config_path: Path | None, known: Iterable[str] = ()) -> RunbookPack:
    """The shipped pack plus the config's `runbooks.paths` (relative to the config file's folder); `known`:
    the config's placeholder names."""
    from runbooks import pack_dir

    base = config_path.parent if config_path else Path.cwd()
    return load_pack([pack_dir(), *((base / home_path(p)) for p in extra)], known)


def runbook_json_schema() -> dict[str, Any]:
    """JSON Schema of a runbook file, for editors and for `runbooks/runbook.schema.json`."""
    return json_schema(Runbook, "tessa-tui runbook")
