"""Round-trip YAML: load with line numbers, write back with comments and layout kept.

ruamel.yaml keeps comments, key order and quoting; it writes one indentation style
per file, so the style is guessed from the file (the most common mapping indent and
list offset) and a file written in one consistent style comes back byte for byte
except for the edit. Writes go to a temporary file that replaces the original, so a
reader never sees half a file.
"""

from __future__ import annotations

import contextvars
import difflib
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from bot.errors import ConfigError

# Within `parsed_once()`: each file's data by its path and text (see there).
_PARSED: contextvars.ContextVar[dict[tuple[str, str], Any] | None] = contextvars.ContextVar(
    "yaml_files_parsed", default=None
)
_OPENS_BLOCK = re.compile(r"^[^#]*:\s*(#.*)?$")
_EXPLICIT_NULL = re.compile(r":\s+null\s*$", re.MULTILINE)


def guess_indent(text: str) -> tuple[int, int]:
    """The file's mapping indent and list offset (where `-` sits under its key).

    Rasa's own files use a mapping indent of 2 and lists flush with their key
    (offset 0); others indent lists by 2. The most common style in the file wins.
    """
    mappings: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    parent: int | None = None
    for line in text.splitlines():
        content = line.strip()
        if not content or content.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if parent is not None and indent >= parent:
            if content.startswith("- "):
                offsets[indent - parent] += 1
            elif indent > parent:
                mappings[indent - parent] += 1
        opens = _OPENS_BLOCK.match(content) and not content.startswith("- ")
        parent = indent if opens else None
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    offset = offsets.most_common(1)[0][0] if offsets else 0
    return mapping, offset


def round_trip(text: str) -> YAML:
    """A ruamel.yaml instance that writes in the style of `text`."""
    mapping, offset = guess_indent(text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.width = 4096  # type: ignore[assignment]  # never fold long examples or answers
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    if _EXPLICIT_NULL.search(text):  # `active_loop: null` rather than `active_loop:`
        yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer: Any, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def load(path: Path) -> Any:
    """The file's data with ruamel's line information (None for an empty file).

    Raises:
        ConfigError: The file cannot be read or is not valid YAML.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), "", f"cannot read the file ({error.strerror})") from error
    parsed = _PARSED.get()
    if parsed is not None and (str(path), text) in parsed:
        return parsed[(str(path), text)]
    try:
        data = round_trip(text).load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(str(path), "", f"not valid YAML: {problem}", line) from error
    if parsed is not None:
        parsed[(str(path), text)] = data
    return data


@contextmanager
def parsed_once() -> Iterator[None]:
    """Within: `load` parses a file once and hands every later reader the same data.

    For checks that only read (a project's validation loads each file several times,
    and a round-trip parse is slow); data that will be changed is loaded outside.
    A file whose text changed meanwhile is parsed again.
    """
    token = _PARSED.set({})
    try:
        yield
    finally:
        _PARSED.reset(token)


def dump(data: Any, like: str) -> str:
    """`data` as YAML text, in the layout of the file text `like`."""
    out = io.StringIO()
    round_trip(like).dump(data, out)
    return out.getvalue()


def save(path: Path, data: Any) -> None:
    """Write `data` back to `path` in the file's own layout, atomically.

    A file that mixes styles (`rasa init`'s domain indents one list and not the
    others) cannot be written by ruamel as it was; then only the lines that changed
    are taken from ruamel's output, indented like their neighbours in the file, and
    every other line stays exactly as it was.
    """
    original = path.read_text(encoding="utf-8") if path.exists() else ""
    edited = dump(data, original)
    if original:
        baseline = dump(round_trip(original).load(original), original)
        edited = patch(original, baseline, edited)
    write_text(path, edited)


def patch(original: str, baseline: str, edited: str) -> str:
    """Apply the change from `baseline` to `edited` onto `original`, line by line.

    `baseline` is ruamel's rendering of the untouched `original`: the same lines in
    the same order, differently indented at most. Lines the edit left alone are
    copied from `original`; new ones are shifted by the indentation difference of
    the line just before them.
    """
    if baseline == original:
        return edited
    old, base, new = (text.splitlines(keepends=True) for text in (original, baseline, edited))
    if len(old) != len(base):
        return edited  # the lines do not correspond one to one: ruamel's layout it is
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, base, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(old[i1:i2])
            continue
        near = i1 if tag == "replace" else _previous_content(base, i1)
        shift = _indent(old[near]) - _indent(base[near]) if near is not None else 0
        out.extend(_shifted(line, shift) for line in new[j1:j2])
    return "".join(out)


def _previous_content(lines: list[str], index: int) -> int | None:
    """The last non-blank line before `index`."""
    for position in range(min(index, len(lines)) - 1, -1, -1):
        if lines[position].strip():
            return position
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shifted(line: str, shift: int) -> str:
    if shift > 0 and line.strip():
        return " " * shift + line
    if shift < 0 and line.strip():
        return line[min(-shift, _indent(line)) :]
    return line


def write_text(path: Path, text: str) -> None:
    """Replace the file's content at once (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def line_of(node: Any, key: Any) -> int | None:
    """The 1-based line of `key` in a loaded mapping, or of item `key` in a list."""
    lc: Any = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        position = lc.item(key) if isinstance(node, list) else lc.key(key)
        return int(position[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def value_line(node: Any, key: Any) -> int | None:
    """The 1-based line where the value of `key` starts in a loaded mapping."""
    lc: Any = getattr(node, "lc", None)
    try:
        return int(lc.value(key)[0]) + 1 if lc is not None else None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


@contextmanager
def trailing_comment_kept(node: CommentedMap | CommentedSeq) -> Iterator[None]:
    """Keep the comment or blank lines after a list or mapping's end when it changes.

    ruamel attaches what follows a list to its last item (and a mapping's to its
    last key); when that item is removed or another is added after it, the blank
    line that separated it from the next key would move or vanish. This moves it to
    whatever is last afterwards.
    """
    token = _pop_trailing(node)
    yield
    if token is not None:
        _attach_trailing(node, token)


def _pop_trailing(node: Any) -> Any:
    """Remove and return the comment token after the deepest last entry of `node`."""
    while True:
        if isinstance(node, CommentedMap) and node:
            key = list(node)[-1]
            slots = node.ca.items.get(key)
            if slots is not None and len(slots) > 2 and slots[2] is not None:
                token, slots[2] = slots[2], None
                return token
            node = node[key]
        elif isinstance(node, CommentedSeq) and node:
            slots = node.ca.items.get(len(node) - 1)
            if slots is not None and slots[0] is not None:
                token, slots[0] = slots[0], None
                return token
            node = node[-1]
        else:
            return None


def _attach_trailing(node: Any, token: Any) -> None:
    """Put a comment token after the deepest last entry of `node` (not inside `{...}`)."""
    while True:
        if isinstance(node, CommentedMap) and node:
            key = list(node)[-1]
            if _is_block(node[key]):
                node = node[key]
                continue
            node.ca.items.setdefault(key, [None, None, None, None])[2] = token
            return
        if isinstance(node, CommentedSeq) and node:
            if _is_block(node[-1]):
                node = node[-1]
                continue
            node.ca.items.setdefault(len(node) - 1, [None, None, None, None])[0] = token
            return
        return


def _is_block(value: Any) -> bool:
    """A non-empty mapping or list written in block style (not `{...}` or `[...]`)."""
    return (
        isinstance(value, (CommentedMap, CommentedSeq))
        and bool(value)
        and not value.fa.flow_style()
    )
