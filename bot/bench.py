"""`python -m bot bench`: the framework against bare `rasa run`, same model, same load.

Both systems are started from scratch on free ports, each with a fresh SQLite
tracker store (the framework also with a fresh store of its own, and its handoff
detector on, as shipped). They are then driven one after the other, alternating
over several rounds, with the same scripted conversations over rasa's REST
channel. Per system: latency percentiles, throughput, errors, the servers' CPU
time per message (steadier than wall time on a busy machine) and resident memory,
the median over rounds; written to `bench-results/` as JSON and a chart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import FrameType

import httpx

from bot.config import Settings
from bot.engine import RasaProject
from core.errors import BotError, ModelMissing

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("framework", "rasa")
WEBHOOK = "/webhooks/rest/webhook"

# Routine questions the demo bot answers from its templates, one custom action
# (the order lookup), and nothing the handoff detector would escalate.
SCRIPT = (
    "hello there",
    "when are you open?",
    "how much is delivery?",
    "where is my order?",
    "it's FH-10234",
    "thanks a lot",
)


class BenchFailed(BotError):
    """A server did not start or did not answer the warm-up."""


@dataclass
class RoundResult:
    """One system's figures for one round of load."""

    system: str
    round: int
    latencies_ms: list[float]
    errors: int
    wall_seconds: float
    cpu_seconds: float = 0.0  # the server processes' CPU time during the round

    @property
    def throughput(self) -> float:
        """Answered messages per second of wall time."""
        return len(self.latencies_ms) / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def cpu_ms_per_message(self) -> float:
        """Server CPU time per message sent: what the figures cost, whatever else runs."""
        sent = len(self.latencies_ms) + self.errors
        return self.cpu_seconds * 1000 / sent if sent else 0.0


@dataclass(frozen=True)
class Summary:
    """One system's figures: the median over rounds of each round's figure."""

    system: str
    p50_ms: float
    p90_ms: float
    p99_ms: float
    throughput: float
    errors: int
    messages: int
    cpu_ms: float = math.nan
    rss_mb: float | None = None


@dataclass
class Server:
    """A server process started for the bench (in a session of its own)."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating between ranks as numpy does."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(system: str, rounds: Sequence[RoundResult]) -> Summary:
    """Median over rounds of each round's percentiles and throughput; errors summed."""
    answered = [r for r in rounds if r.latencies_ms]
    errors = sum(r.errors for r in rounds)
    messages = sum(len(r.latencies_ms) + r.errors for r in rounds)
    if not answered:
        return Summary(system, math.nan, math.nan, math.nan, 0.0, errors, messages)

    def median_percentile(q: float) -> float:
        return statistics.median(percentile(r.latencies_ms, q) for r in answered)

    return Summary(
        system,
        p50_ms=median_percentile(50),
        p90_ms=median_percentile(90),
        p99_ms=median_percentile(99),
        throughput=statistics.median(r.throughput for r in rounds),
        errors=errors,
        messages=messages,
        cpu_ms=statistics.median(r.cpu_ms_per_message for r in rounds),
    )


def ratio(numerator: float, denominator: float) -> float:
    """The quotient, or nan when the denominator is zero or not a number."""
    if denominator == 0 or math.isnan(denominator):
        return math.nan
    return numerator / denominator


def compare(framework: Summary, rasa: Summary) -> dict[str, float]:
    """The framework's figures relative to rasa's (1.10 = 10% more)."""
    return {
        "p50": ratio(framework.p50_ms, rasa.p50_ms),
        "p99": ratio(framework.p99_ms, rasa.p99_ms),
        "throughput": ratio(framework.throughput, rasa.throughput),
        "cpu": ratio(framework.cpu_ms, rasa.cpu_ms),
    }


def schedule(rounds: int) -> list[tuple[int, str]]:
    """The order of the runs: framework, rasa, framework, rasa, ..."""
    return [(number, system) for number in range(1, rounds + 1) for system in SYSTEMS]


def format_table(summaries: Sequence[Summary], ratios: Mapping[str, float]) -> str:
    """The figures as a plain-text table, then the ratios framework/rasa."""
    lines = [
        f"{'system':<10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'msg/s':>8} "
        f"{'errors':>7} {'CPU ms/msg':>10} {'RSS MB':>7}"
    ]
    for s in summaries:
        rss = f"{s.rss_mb:.0f}" if s.rss_mb is not None else "-"
        lines.append(
            f"{s.system:<10} {s.p50_ms:>8.1f} {s.p90_ms:>8.1f} {s.p99_ms:>8.1f} "
            f"{s.throughput:>8.1f} {s.errors:>7d} {s.cpu_ms:>10.1f} {rss:>7}"
        )
    shown = ", ".join(f"{name} {value:.2f}x" for name, value in ratios.items())
    lines.append(f"framework/rasa: {shown}")
    return "\n".join(lines)


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


def run_bench(settings: Settings, conversations: int, rounds: int, output: Path) -> int:
    """Start both systems, load them in turn, print and save the figures."""
    if conversations < 1 or rounds < 1:
        raise BotError("--conversations and --rounds must be at least 1")
    project = RasaProject.from_settings(settings.project, settings.source)
    model = project.model_path(Path(settings.engine.model_dir)).resolve()
    if not model.is_file():
        raise ModelMissing(
            f"no model for the current data ({model.name}); run `python -m bot train`"
        )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp, ExitStack() as stack:
            workdir = Path(tmp)
            print(f"Starting the framework and rasa on {model.name} ...", file=sys.stderr)
            servers = {
                "framework": stack.enter_context(_framework(workdir, settings)),
                "rasa": stack.enter_context(_rasa(workdir, model)),
            }
            results = asyncio.run(_load_all(servers, conversations, rounds))
            rss = {name: _tree_usage(server)[0] for name, server in servers.items()}
    finally:
        signal.signal(signal.SIGTERM, previous)
    framework, rasa = (
        replace(summarise(name, [r for r in results if r.system == name]), rss_mb=rss[name])
        for name in SYSTEMS
    )
    ratios = compare(framework, rasa)
    print(f"{conversations} conversations x {len(SCRIPT)} messages, median of {rounds} rounds")
    print(format_table([framework, rasa], ratios))
    paths = _save(output, model, conversations, results, [framework, rasa], ratios)
    print("Results: {}\nChart: {}".format(*paths))
    return 1 if framework.errors or rasa.errors else 0


async def _load_all(
    servers: Mapping[str, Server], conversations: int, rounds: int
) -> list[RoundResult]:
    from tqdm import tqdm

    for name, server in servers.items():
        warm = await _drive(server.url, name, 0, 3, lambda: None)
        if warm.errors:
            raise BenchFailed(
                f"{name} failed {warm.errors} warm-up message(s):\n{_log_tail(server)}"
            )
    results = []
    for number, name in schedule(rounds):
        desc = f"{name:<9} round {number}/{rounds}"
        total = conversations * len(SCRIPT)
        with tqdm(total=total, unit="msg", file=sys.stderr, desc=desc) as bar:
            before = _tree_usage(servers[name])[1]
            result = await _drive(servers[name].url, name, number, conversations, bar.update)
            result.cpu_seconds = _tree_usage(servers[name])[1] - before
            results.append(result)
    return results


async def _drive(
    url: str, system: str, number: int, conversations: int, tick: Callable[[], object]
) -> RoundResult:
    """Run `conversations` scripted dialogues at once, timing every message."""
    result = RoundResult(system, number, latencies_ms=[], errors=0, wall_seconds=0.0)
    run_id = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=conversations, max_keepalive_connections=conversations)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def converse(sender: str) -> None:
            for text in SCRIPT:
                started = time.perf_counter()
                try:
                    reply = await client.post(WEBHOOK, json={"sender": sender, "message": text})
                    answered = reply.status_code == 200 and bool(reply.json())
                except (httpx.HTTPError, ValueError):
                    answered = False
                if answered:
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    result.errors += 1
                tick()

        started = time.perf_counter()
        senders = (f"bench-{system}-{number}-{run_id}-{i}" for i in range(conversations))
        await asyncio.gather(*(converse(sender) for sender in senders))
        result.wall_seconds = time.perf_counter() - started
    return result


@contextmanager
def _framework(workdir: Path, settings: Settings) -> Iterator[Server]:
    port = _free_port()
    endpoints = workdir / "framework-endpoints.yml"
    endpoints.write_text(_tracker_store(workdir / "framework-trackers.db"))
    env = {
        "BOT_DATABASE_URL": f"sqlite:///{workdir / 'framework.db'}",
        "BOT_ENGINE_ENDPOINTS": str(endpoints),
        "BOT_SERVER_PORT": str(port),
    }
    config = [] if settings.source == "(defaults)" else ["--config", settings.source]
    command = [sys.executable, "-m", "bot", *config, "run"]
    with _started("framework", command, env, workdir, port, "/health") as server:
        yield server


@contextmanager
def _rasa(workdir: Path, model: Path) -> Iterator[Server]:
    rasa = str(Path(sys.executable).with_name("rasa"))
    actions_port, port = _free_port(), _free_port()
    endpoints = workdir / "rasa-endpoints.yml"
    endpoints.write_text(
        _tracker_store(workdir / "rasa-trackers.db")
        + f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
    )
    credentials = workdir / "credentials.yml"
    credentials.write_text("rest:\n")
    actions = [rasa, "run", "actions", "--actions", "actions", "--port", str(actions_port)]
    command = [rasa, "run", "-m", str(model), "--port", str(port)]
    command += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
    with (
        _started("actions", actions, {}, workdir, actions_port, "/health") as action_server,
        _started("rasa", command, {}, workdir, port, "/") as server,
    ):
        server.helpers.append(action_server.process)
        yield server


def _tracker_store(path: Path) -> str:
    return f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {path}\n"


@contextmanager
def _started(
    name: str, command: list[str], env: dict[str, str], workdir: Path, port: int, ready: str
) -> Iterator[Server]:
    """Run `command` in the project folder until the block ends; wait for GET `ready`."""
    log_path = workdir / f"{name}.log"
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**environment, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the bench, which stops the servers
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_ready(server, ready, timeout=300)
        yield server
    finally:
        _stop(process)


def _wait_until_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchFailed(f"{server.name} exited at start:\n{_log_tail(server)}")
        try:
            if httpx.get(f"{server.url}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise BenchFailed(f"{server.name} was not ready in {timeout:.0f} s:\n{_log_tail(server)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process's session, SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _log_tail(server: Server) -> str:
    return server.log_path.read_text(errors="replace")[-3000:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_usage(server: Server) -> tuple[float, float]:
    """Resident memory (MB) and CPU time (s) of the server's processes and children."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    pids: set[int] = set()
    for root in [server.process.pid, *(p.pid for p in server.helpers)]:
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


def _save(
    output: Path,
    model: Path,
    conversations: int,
    results: Sequence[RoundResult],
    summaries: Sequence[Summary],
    ratios: Mapping[str, float],
) -> tuple[Path, Path]:
    """Write the JSON with every figure and the chart; return their paths."""
    output.mkdir(parents=True, exist_ok=True)
    stem = output / f"bench-{datetime.now():%Y%m%d-%H%M%S}"
    document = {
        "model": model.name,
        "conversations": conversations,
        "rounds": max(r.round for r in results),
        "script": list(SCRIPT),
        "cpus": os.cpu_count(),
        "summaries": [asdict(s) for s in summaries],
        "ratios_framework_over_rasa": dict(ratios),
        "rounds_detail": [
            {
                **asdict(r),
                "latencies_ms": [round(ms, 2) for ms in r.latencies_ms],
                "throughput": r.throughput,
                "cpu_ms_per_message": r.cpu_ms_per_message,
            }
            for r in results
        ],
    }
    json_path = stem.with_suffix(".json")
    json_path.write_text(json.dumps(document, indent=2))
    chart_path = stem.with_suffix(".png")
    _draw(results, chart_path)
    return json_path, chart_path


def _draw(results: Sequence[RoundResult], path: Path) -> None:
    """Latency CDF of every answered message per system, and throughput per round."""
    with warnings.catch_warnings():  # matplotlib's pyparsing deprecation notices
        warnings.simplefilter("ignore", DeprecationWarning)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, (cdf, bars) = plt.subplots(1, 2, figsize=(12, 4.5))
        for system in SYSTEMS:
            latencies = sorted(ms for r in results if r.system == system for ms in r.latencies_ms)
            shares = [(i + 1) / len(latencies) for i in range(len(latencies))]
            cdf.plot(latencies, shares, label=system)
        cdf.set(xscale="log", xlabel="latency (ms, log scale)", ylabel="share of messages")
        cdf.set_title("Latency per message (all rounds)")
        cdf.grid(True, which="both", alpha=0.3)
        cdf.legend()
        width = 0.4
        for offset, system in enumerate(SYSTEMS):
            mine = [r for r in results if r.system == system]
            xs = [r.round + (offset - 0.5) * width for r in mine]
            bars.bar(xs, [r.throughput for r in mine], width, label=system)
        bars.set(xlabel="round", ylabel="messages / s", title="Throughput per round")
        bars.set_xticks(sorted({r.round for r in results}))
        bars.margins(y=0.2)
        bars.legend(loc="upper center", ncol=2)
        figure.tight_layout()
        figure.savefig(path, dpi=120)
        plt.close(figure)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
