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
import os
import signal
import socket
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

from bot.bench_figures import (
    SYSTEMS,
    RoundResult,
    Summary,
    compare,
    cpu_seconds,
    descendants,
    format_table,
    schedule,
    summarise,
    vmrss_kb,
)
from bot.config import Settings
from bot.engine import RasaProject
from core.errors import BotError, ModelMissing

ROOT = Path(__file__).resolve().parent.parent
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
class Server:
    """A server process started for the bench (in a session of its own)."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)


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
