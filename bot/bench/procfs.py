"""CPU time and resident memory of a process tree, read from /proc."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path


def cpu_seconds(stat: str, ticks_per_second: int) -> float:
    """User plus system CPU time from the text of `/proc/<pid>/stat`."""
    fields = stat.rsplit(")", 1)[1].split()  # the name, in parentheses, may hold spaces
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def vmrss_kb(status: str) -> int:
    """The resident set size in kB from the text of `/proc/<pid>/status` (0 if absent)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descendants(root: int, parents: Mapping[int, int]) -> set[int]:
    """`root` and every process below it, given each process's parent."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def process_parents() -> dict[int, int]:
    """Every process's parent, as /proc lists them now."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def tree_usage(roots: Iterable[int]) -> tuple[float, float]:
    """Resident memory (MB) and CPU time (s) of the `roots` processes and their children."""
    parents = process_parents()
    pids: set[int] = set()
    for root in roots:
        pids |= descendants(root, parents)
    rss_kb, cpu = 0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            rss_kb += vmrss_kb(Path(f"/proc/{pid}/status").read_text())
            cpu += cpu_seconds(Path(f"/proc/{pid}/stat").read_text(), ticks)
        except OSError:
            continue
    return rss_kb / 1024, cpu
