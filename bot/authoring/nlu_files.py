"""rasa's NLU training data: which file holds which intent, every example with its line.

Examples are written into the file that already holds their intent, so a designer's
own grouping of intents into files stays as it was; a new intent gets a file of its
own, `<data>/nlu/<intent>.yml`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.authoring import yaml_files
from bot.errors import BadRequest, ConfigError

YAML_SUFFIXES = (".yml", ".yaml")
INTENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
# `[Paris](city)` and `[Paris]{"entity": "city"}` annotate entities inside an example.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Example:
    """One training example, where it is written."""

    text: str
    intent: str
    path: Path
    line: int | None

    @property
    def plain(self) -> str:
        """The text without entity annotations, lower-cased, single-spaced."""
        return normalise(self.text)

    @property
    def loose(self) -> str:
        """`plain` without punctuation: what tells two examples apart for a reader."""
        return loosen(self.text)


@dataclass
class IntentBlock:
    """One `- intent:` entry of an NLU file."""

    intent: str
    path: Path
    line: int | None
    examples: list[Example] = field(default_factory=list)


def normalise(text: str) -> str:
    """An example as rasa compares it: annotations removed, case and spaces folded."""
    return _SPACE.sub(" ", _ANNOTATION.sub(r"\1", text)).strip().lower()


def loosen(text: str) -> str:
    """An example with case, spaces and punctuation folded ("Hi!" and "hi" are alike)."""
    kept = "".join(" " if unicodedata.category(c).startswith("P") else c for c in normalise(text))
    return _SPACE.sub(" ", kept).strip()


def yaml_files_under(roots: Iterable[Path]) -> list[Path]:
    """Every YAML file under the data folders (or the files themselves), sorted."""
    found: set[Path] = set()
    for root in roots:
        if root.is_file():
            found.add(root)
        elif root.is_dir():
            found.update(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
    return sorted(found)


def read_intents(files: Sequence[Path]) -> list[IntentBlock]:
    """Every intent entry of the NLU files among `files`, in file order.

    Files without an `nlu:` section (stories, rules, a domain) are skipped.

    Raises:
        ConfigError: A file is not valid YAML.
    """
    blocks: list[IntentBlock] = []
    for path in files:
        data = yaml_files.load(path)
        entries = data.get("nlu") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("intent"), str):
                continue
            block = IntentBlock(entry["intent"], path, yaml_files.line_of(entries, index))
            block.examples = [
                Example(text, block.intent, path, line) for text, line in _examples_of(entry)
            ]
            blocks.append(block)
    return blocks


def _examples_of(entry: Any) -> list[tuple[str, int | None]]:
    """The texts of an intent entry with their lines: `examples: |` or a list of texts."""
    examples = entry.get("examples")
    first = yaml_files.value_line(entry, "examples")
    if isinstance(examples, str):
        found = []
        for offset, line in enumerate(examples.splitlines()):
            stripped = line.strip()
            if stripped.startswith("- ") or stripped == "-":
                line_number = first + 1 + offset if first is not None else None
                found.append((stripped[1:].strip(), line_number))
        return [(text, line) for text, line in found if text]
    if isinstance(examples, list):
        return [
            (str(item["text"]).strip(), yaml_files.line_of(examples, index))
            for index, item in enumerate(examples)
            if isinstance(item, dict) and item.get("text")
        ]
    return []


def check_intent_name(name: str) -> str:
    """The name, if rasa and a file name can both use it.

    Raises:
        BadRequest: It is empty, too long, or has characters other than letters,
            digits, `_` and `-`.
    """
    name = name.strip()
    if not INTENT_NAME.match(name):
        raise BadRequest(
            "an intent name is 1-64 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return name


def example_line(text: str) -> str:
    """A customer's message as one example line (rasa's examples are one line each)."""
    line = _SPACE.sub(" ", text).strip()
    if not line:
        raise BadRequest("an example cannot be empty")
    return line


def add_examples(
    blocks: Sequence[IntentBlock], intent: str, texts: Sequence[str], new_file_dir: Path
) -> Path:
    """Append examples to the file that holds `intent`, or to a new file for it.

    Args:
        blocks: The project's intents, from `read_intents`.
        intent: The intent the examples belong to.
        texts: The examples, one line each; those already there are skipped.
        new_file_dir: Where a new intent's file goes (`<data>/nlu`).

    Returns:
        The file written.
    """
    lines = [example_line(text) for text in texts]
    holder = next((b for b in blocks if b.intent == intent), None)
    if holder is None:
        return _new_intent_file(intent, lines, new_file_dir)
    data = yaml_files.load(holder.path)
    entry = next(e for e in data["nlu"] if isinstance(e, dict) and e.get("intent") == intent)
    known = {normalise(text) for text, _ in _examples_of(entry)}
    fresh = _unique(line for line in lines if normalise(line) not in known)
    if fresh:
        entry["examples"] = _with_examples(entry.get("examples"), fresh)
        yaml_files.save(holder.path, data)
    return holder.path


def _with_examples(examples: Any, lines: Sequence[str]) -> Any:
    """The `examples` value with `lines` appended, in the value's own form."""
    if isinstance(examples, list):
        seq = examples if isinstance(examples, CommentedSeq) else CommentedSeq(examples)
        for line in lines:
            item = CommentedMap()
            item["text"] = line
            seq.append(item)
        return seq
    text = str(examples or "")
    body = text.rstrip("\n")
    added = "\n".join(f"- {line}" for line in lines)
    return LiteralScalarString(f"{body}\n{added}\n" if body else f"{added}\n")


def _new_intent_file(intent: str, lines: Sequence[str], folder: Path) -> Path:
    path = folder / f"{intent}.yml"
    if path.exists():
        raise ConfigError(str(path), "nlu", f"exists but does not hold intent {intent!r}")
    examples = "".join(f"    - {line}\n" for line in _unique(lines))
    yaml_files.write_text(
        path, f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{examples}'
    )
    return path


def _unique(lines: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for line in lines:
        if normalise(line) not in seen:
            seen.add(normalise(line))
            kept.append(line)
    return kept
