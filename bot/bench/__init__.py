"""`python -m bot bench`: the framework against bare `rasa run`, same model, same load.

One module per idea: `systems` starts the servers under test and `client` talks to
them; `closed_loop` and `open_loop` generate load (a fixed number of conversations
at once, or messages arriving at a set rate); `capacity` searches the highest rate
that meets the latency target; `growth` measures how a message's cost grows, and
`prefill` fills stores fast for it; `stages` says where the time goes; `figures`,
`procfs` and `report` compute, read and show the figures; `run` puts them together.
"""

from bot.bench.figures import (
    RoundResult,
    Summary,
    compare,
    format_table,
    percentile,
    ratio,
    schedule,
    summarise,
)
from bot.bench.procfs import cpu_seconds, descendants, vmrss_kb

__all__ = [
    "RoundResult",
    "Summary",
    "compare",
    "cpu_seconds",
    "descendants",
    "format_table",
    "percentile",
    "ratio",
    "schedule",
    "summarise",
    "vmrss_kb",
]
