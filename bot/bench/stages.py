"""Where the time goes: CPU per message by stage, from samples of the servers' stacks.

`py-spy record --gil` samples, 100 times a second, the stack of the thread that
holds the GIL, which is the Python code running then (py-spy's own idle detection
counts waiting threads as busy in these servers, so all-threads samples follow
wall time, not CPU). Each sample goes to the stage of the deepest frame on its
stack that belongs to one, and the stages' shares of the samples split the CPU
time per message measured from /proc. Two approximations: native code that
releases the GIL (NumPy, TensorFlow, SQLite) is not sampled, so its CPU is spread
over the stages in proportion; and on a busy machine a GIL holder waiting for a
core is sampled too, so shares follow GIL-held wall time.

From outside, stages are told apart by source file. The pipeline knows better:
`PIPELINE_HOOKS` names the timings it should report, as a W3C `Server-Timing`
header on the REST channel's answers (`store.inbound;dur=1.2, engine.nlu;dur=9.8`);
the bench sums any such header it gets (`client.Chat.stage_ms`) and prints it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.errors import BotError

# (stage, source paths that belong to it); the deepest matching frame wins.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("channel and validation", ("bot/channels/", "bot/pipeline.py", "bot/app.py", "bot/web/")),
    ("framework store (SQL)", ("bot/store/",)),
    ("handoff decision", ("handoff/detection/", "bot/pipeline.py")),
    ("handoff service and store", ("handoff/",)),
    ("rasa message processing", ("rasa/core/processor.py", "rasa/core/agent.py")),
    ("rasa tracker (events replay)", ("rasa/shared/core/trackers.py", "rasa/shared/core/events")),
    ("rasa tracker and lock store", ("rasa/core/tracker_store.py", "rasa/core/lock_store.py")),
    ("rasa policies", ("rasa/core/policies/", "rasa/core/featurizers/", "rasa/graph_components")),
    ("rasa graph (model runner)", ("rasa/engine/",)),
    ("rasa NLU (featurizers, classifiers)", ("rasa/nlu/", "rasa/shared/nlu/")),
    ("NLU sentence encoder", ("bot/nlu/", "tokenizers", "safetensors")),
    ("responses (NLG)", ("rasa/core/nlg/", "bot/engine/language_nlg.py")),
    ("custom actions", ("rasa/core/actions/", "rasa_sdk/", "bot/engine/actions.py", "/actions/")),
)
# Only when no frame of the stack belongs to a stage above (rasa calls its action
# server through aiohttp, for one).
HTTP = ("HTTP server (sanic, aiohttp)", ("sanic/", "sanic_routing/", "aiohttp/", "httptools"))
OTHER = "other Python (event loop, libraries)"
SAMPLE_RATE = 100  # samples per second

# The timings the message pipeline should report, in the order a message meets them.
PIPELINE_HOOKS: tuple[tuple[str, str], ...] = (
    ("channel.parse", "read and check the request body (channel adapter, check_text)"),
    ("store.inbound", "record_inbound: customer, open thread, the message (one transaction)"),
    ("store.context", "what the turn reads of its thread: recent messages, hand-backs"),
    ("pipeline.language", "which of the brand's languages the customer writes"),
    ("store.language", "the thread's language, kept when it changed (a thread's first message)"),
    ("store.orders", "the order numbers mentioned, kept on the profile (when there are any)"),
    ("engine.nlu", "rasa's NLU graph: tokenizer, sentence encoder, classifiers"),
    ("engine.encoder", "the sentence encoder alone (inside engine.nlu, or the detector's)"),
    ("pipeline.decide", "the detector's decision (score, reasons)"),
    ("store.annotate", "the parse and score kept on the message (escalating; else in replies)"),
    ("engine.lock", "waiting for the conversation's lock (rasa's lock store)"),
    ("engine.tracker_read", "the tracker store read (rasa replays the whole conversation)"),
    ("engine.policies", "policy prediction and the action loop (without custom actions)"),
    ("engine.actions", "custom actions (rasa-sdk executor, result validation)"),
    ("engine.tracker_write", "the tracker store write of the turn's new events"),
    ("store.replies", "claims.complete: the answers, answered_at, annotation, updated_at"),
    ("store.outbox", "outbox.take_undelivered: waiting agent replies and notices (REST)"),
    ("delivery", "building the response"),
)


def frames(stack: str) -> list[str]:
    """The source paths of a py-spy raw stack line's frames, outermost first."""
    paths = []
    for frame in stack.split(";"):
        found = re.search(r"\(([^()]*?)(?::\d+)?\)\s*$", frame)
        paths.append(found.group(1) if found else frame)
    return paths


def stage_of(paths: Iterable[str]) -> str:
    """The stage of the deepest frame that belongs to one (HTTP only if none does)."""
    found, http = OTHER, False
    for path in paths:
        normal = path.replace("\\", "/")
        http = http or any(marker in normal for marker in HTTP[1])
        for stage, markers in STAGES:
            if any(marker in normal for marker in markers):
                found = stage
                break
    return HTTP[0] if found == OTHER and http else found


def parse_raw(text: str) -> Counter[str]:
    """Samples per stage from py-spy's `--format raw` output (`stack count` lines)."""
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            counts[stage_of(frames(stack))] += int(number)
    return counts


def split_cpu(samples: Mapping[str, int], cpu_ms_per_message: float) -> dict[str, float]:
    """CPU ms per message for each stage, in proportion to its samples, largest first."""
    total = sum(samples.values())
    if not total:
        return {}
    shares = {stage: cpu_ms_per_message * n / total for stage, n in samples.items()}
    return dict(sorted(shares.items(), key=lambda item: -item[1]))


def py_spy() -> Path:
    """The py-spy beside this Python, or a clear error when it is not installed."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        raise BotError("--profile needs py-spy: `pip install py-spy` (in the dev extras)")
    return spy


class Sampler:
    """`py-spy record` on some processes, from `start` until `stop`."""

    def __init__(self, pids: Iterable[int], folder: Path, name: str) -> None:
        self.outputs: list[Path] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        spy = py_spy()
        for n, pid in enumerate(pids):
            output = folder / f"{name}-{n}.raw"
            self.outputs.append(output)
            command = [str(spy), "record", "--pid", str(pid), "--format", "raw"]
            command += ["--rate", str(SAMPLE_RATE), "--gil", "--output", str(output)]
            self.processes.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )

    def stop(self) -> Counter[str]:
        """Stop sampling (py-spy writes its file on SIGINT); samples per stage."""
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        counts: Counter[str] = Counter()
        for process, output in zip(self.processes, self.outputs, strict=True):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                continue
            if output.is_file():
                counts += parse_raw(output.read_text(errors="replace"))
        return counts


# Server-Timing stages timed inside another one, so left out of the total.
NESTED_HOOKS = frozenset({"engine.encoder"})


def format_stages(
    by_system: Mapping[str, Mapping[str, float]],
    extra: Mapping[str, str] | None = None,
    nested: frozenset[str] = frozenset(),
) -> str:
    """CPU ms per message by stage, one column per system (`nested` stages not in the total)."""
    systems = list(by_system)
    stages = list(dict.fromkeys(s for shares in by_system.values() for s in shares))
    header = f"{'stage (CPU ms/msg)':<38}" + "".join(f"{name:>11}" for name in systems)
    lines = [header]
    for stage in stages:
        cells = "".join(
            f"{by_system[name][stage]:>11.1f}" if stage in by_system[name] else f"{'-':>11}"
            for name in systems
        )
        lines.append(f"{stage:<38}{cells}")
    totals = "".join(
        f"{sum(ms for stage, ms in by_system[name].items() if stage not in nested):>11.1f}"
        for name in systems
    )
    lines.append(f"{'total':<38}{totals}")
    for name, note in (extra or {}).items():
        lines.append(f"{name}: {note}")
    return "\n".join(lines)
