"""The detector's training examples, as designers write them.

Two formats, both plain YAML under `data/handoff/`:

- `examples/<lang>.yml` (and `examples/extra_<lang>.yml`): examples grouped by kind
  and topic, the topics naming what a complaint is about (shown to agents)::

      version: "1"
      language: fr
      complaint:
        late_delivery: ["...", ...]
      routine:
        question: ["...", ...]

- `frustration.yml`, the first format: `frustrated:` and `calm:` examples grouped by
  language; they count as complaints without a topic and as routine messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError

KINDS = ("complaint", "routine")
# frustration.yml's kinds, in the same order.
LEGACY_KINDS = ("frustrated", "calm")
LEGACY_TOPIC = "general"


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    complaint: bool
    topic: str
    language: str
    source: str


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(str(path), "", f"cannot read the examples: {error}") from None


def read_topic_file(path: Path) -> list[Example]:
    """The examples of one `examples/<lang>.yml` file.

    Raises:
        ConfigError: The file is unreadable or a section is not topics of texts.
    """
    data = _load(path)
    if not isinstance(data, dict):
        raise ConfigError(str(path), "", "expected `complaint:` and `routine:` sections")
    language = str(data.get("language") or path.stem.removeprefix("extra_"))
    found: list[Example] = []
    for kind in KINDS:
        topics = data.get(kind)
        if topics is None:
            continue
        if not isinstance(topics, dict):
            raise ConfigError(str(path), kind, "expected topics, each a list of texts")
        for topic, texts in topics.items():
            if not isinstance(texts, list):
                raise ConfigError(str(path), f"{kind}.{topic}", "expected a list of texts")
            found.extend(
                Example(str(text).strip(), kind == "complaint", str(topic), language, path.name)
                for text in texts
                if str(text).strip()
            )
    if not found:
        raise ConfigError(str(path), "complaint", "no examples under `complaint:` or `routine:`")
    return found


def read_legacy_file(path: Path) -> list[Example]:
    """The examples of `frustration.yml` (`frustrated:`/`calm:` by language).

    Raises:
        ConfigError: The file is missing, malformed, or lacks either kind.
    """
    data = _load(path)
    found: list[Example] = []
    for kind in LEGACY_KINDS:
        by_language = (data or {}).get(kind) if isinstance(data, dict) else None
        if not isinstance(by_language, dict) or not by_language:
            raise ConfigError(str(path), kind, "expected examples grouped by language")
        for language, texts in by_language.items():
            if not isinstance(texts, list):
                raise ConfigError(str(path), f"{kind}.{language}", "expected a list of texts")
            topic = LEGACY_TOPIC if kind == "frustrated" else "routine"
            found.extend(
                Example(str(text).strip(), kind == "frustrated", topic, str(language), path.name)
                for text in texts
                if str(text).strip()
            )
    return found


def example_files(examples: Path) -> list[Path]:
    """The files the detector learns from: `examples` and the `examples/` folder beside it."""
    folder = examples.parent / "examples"
    files = [examples] if examples.is_file() else []
    if folder.is_dir():
        files.extend(sorted(folder.glob("*.yml")))
    if not files:
        raise ConfigError(str(examples), "", "no handoff examples (nor an examples/ folder)")
    return files


def read_all(files: Iterable[Path]) -> list[Example]:
    """Every example of `files`, each read in its format; duplicates kept once."""
    seen: set[tuple[str, bool]] = set()
    found: list[Example] = []
    for path in files:
        data_format = read_topic_file if path.parent.name == "examples" else read_legacy_file
        for example in data_format(path):
            key = (example.text.casefold(), example.complaint)
            if key not in seen:
                seen.add(key)
                found.append(example)
    return found


def from_labels(texts: Sequence[str], labels: Sequence[int], source: str) -> list[Example]:
    """Examples from labelled texts (the NLU data's), without topics."""
    return [
        Example(text, bool(label), LEGACY_TOPIC if label else "routine", "", source)
        for text, label in zip(texts, labels, strict=True)
    ]
