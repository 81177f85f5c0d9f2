"""The bench's figures: percentiles, medians over rounds, ratios, the table, /proc parsing."""

from __future__ import annotations

import math

import psycopg2
import pytest
import yaml

from bot.bench import (
    RoundResult,
    Summary,
    compare,
    cpu_seconds,
    descendants,
    format_table,
    percentile,
    ratio,
    schedule,
    summarise,
    vmrss_kb,
)
from bot.bench.systems import SharedStores, fresh_database, shared_endpoints
from tests.conftest import require_postgres
from tests.servers import POSTGRES_SERVER


def test_percentile_interpolates_between_ranks() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # unsorted on purpose
    assert percentile(values, 0) == 10.0
    assert percentile(values, 50) == 25.0  # rank 1.5: halfway from 20 to 30
    assert percentile(values, 90) == pytest.approx(37.0)  # rank 2.7: 30 + 0.7 * 10
    assert percentile(values, 99) == pytest.approx(39.7)  # rank 2.97
    assert percentile(values, 100) == 40.0
    assert percentile([7.0], 99) == 7.0


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_throughput_counts_answered_messages_per_second() -> None:
    assert RoundResult("rasa", 1, [1.0] * 30, errors=5, wall_seconds=2.0).throughput == 15.0
    assert RoundResult("rasa", 1, [], errors=0, wall_seconds=0.0).throughput == 0.0


def test_cpu_per_message_counts_every_message_sent() -> None:
    result = RoundResult("rasa", 1, [1.0] * 30, errors=10, wall_seconds=2.0, cpu_seconds=1.2)
    assert result.cpu_ms_per_message == pytest.approx(30.0)  # 1200 ms over 40 messages
    assert RoundResult("rasa", 1, [], errors=0, wall_seconds=1.0).cpu_ms_per_message == 0.0


def test_summary_is_the_median_over_rounds_and_errors_add_up() -> None:
    rounds = [
        RoundResult("framework", 1, [10.0, 20.0, 30.0], 1, wall_seconds=1.0, cpu_seconds=0.2),
        RoundResult("framework", 2, [20.0, 40.0, 60.0], 0, wall_seconds=3.0, cpu_seconds=0.3),
        RoundResult("framework", 3, [100.0] * 3, 2, wall_seconds=0.5, cpu_seconds=0.1),
    ]
    summary = summarise("framework", rounds)
    # p50 per round: 20, 40, 100 -> 40; throughput per round: 3, 1, 6 -> 3.
    assert summary.p50_ms == 40.0
    # p90 per round: 28, 56, 100 -> 56; p99: 29.8, 59.6, 100 -> 59.6.
    assert summary.p90_ms == pytest.approx(56.0)
    assert summary.p99_ms == pytest.approx(59.6)
    assert summary.throughput == 3.0
    # CPU per message sent: 200/4, 300/3, 100/5 ms -> 50, 100, 20 -> 50.
    assert summary.cpu_ms == pytest.approx(50.0)
    assert summary.errors == 3
    assert summary.messages == 12


def test_a_system_that_never_answered_has_no_latency() -> None:
    summary = summarise("rasa", [RoundResult("rasa", 1, [], errors=6, wall_seconds=1.0)])
    assert math.isnan(summary.p50_ms)
    assert (summary.throughput, summary.errors, summary.messages) == (0.0, 6, 6)


def test_ratios_are_framework_over_rasa() -> None:
    framework = Summary("framework", 110.0, 150.0, 220.0, 45.0, 0, 300, cpu_ms=36.0)
    rasa = Summary("rasa", 100.0, 140.0, 200.0, 50.0, 0, 300, cpu_ms=30.0)
    assert compare(framework, rasa) == pytest.approx(
        {"p50": 1.1, "p99": 1.1, "throughput": 0.9, "cpu": 1.2}
    )
    assert math.isnan(ratio(1.0, 0.0))
    assert math.isnan(ratio(1.0, math.nan))


def test_rounds_alternate_starting_with_the_framework() -> None:
    assert schedule(2) == [(1, "framework"), (1, "rasa"), (2, "framework"), (2, "rasa")]


def test_table_shows_every_figure_and_the_ratios() -> None:
    table = format_table(
        [
            Summary("framework", 110.0, 150.0, 220.0, 45.0, 0, 300, 36.04, rss_mb=812.4),
            Summary("rasa", 100.0, 140.0, 200.0, 50.0, 2, 300, 30.0),
        ],
        {"p50": 1.1, "p99": 1.1, "throughput": 0.9},
    )
    lines = table.splitlines()
    assert lines[0].split()[-4:] == ["CPU", "ms/msg", "RSS", "MB"]
    assert lines[1].split() == ["framework", "110.0", "150.0", "220.0", "45.0", "0", "36.0", "812"]
    assert lines[2].split() == ["rasa", "100.0", "140.0", "200.0", "50.0", "2", "30.0", "-"]
    assert lines[3] == "framework/rasa: p50 1.10x, p99 1.10x, throughput 0.90x"


def test_resident_memory_is_read_from_proc_status() -> None:
    status = "Name:\tpython\nVmPeak:\t  900000 kB\nVmRSS:\t  512000 kB\nThreads:\t12\n"
    assert vmrss_kb(status) == 512000
    assert vmrss_kb("Name:\tkthreadd\n") == 0  # kernel threads have no VmRSS


def test_cpu_time_is_user_plus_system_ticks() -> None:
    # pid (comm) state ppid ... utime (field 14) stime (field 15); the name may hold spaces.
    stat = "4242 (rasa run) S 1 4242 4242 0 -1 4194304 900 0 0 0 250 50 0 0 20 0 12"
    assert cpu_seconds(stat, ticks_per_second=100) == pytest.approx(3.0)


def test_a_process_tree_holds_children_and_grandchildren_only() -> None:
    parents = {1: 0, 10: 1, 11: 10, 12: 10, 13: 11, 20: 1, 21: 20}
    assert descendants(10, parents) == {10, 11, 12, 13}
    assert descendants(21, parents) == {21}


def test_bench_options_refuse_what_cannot_run() -> None:
    from bot.bench.run import BenchOptions
    from bot.errors import BotError

    BenchOptions().check()
    with pytest.raises(BotError, match="unknown bench part"):
        BenchOptions(parts=("closed", "fast")).check()
    with pytest.raises(BotError, match="--step-seconds"):
        BenchOptions(step_seconds=0).check()
    with pytest.raises(BotError, match="--thread-length"):
        BenchOptions(thread_length=1).check()
    with pytest.raises(BotError, match="--conversations"):
        BenchOptions(rounds=0).check()
    with pytest.raises(BotError, match="--workers must"):
        BenchOptions(workers=0).check()
    with pytest.raises(BotError, match="needs --postgres and --redis"):
        BenchOptions(workers=2).check()
    shared = SharedStores("postgresql://postgres@127.0.0.1:5432", "redis://127.0.0.1:6379/0")
    with pytest.raises(BotError, match="use --prefill 0"):
        BenchOptions(workers=2, shared=shared).check()
    BenchOptions(workers=2, shared=shared, prefill=0).check()
    BenchOptions(workers=2, shared=shared, parts=("closed", "capacity")).check()


def test_several_workers_get_fresh_shared_stores_that_are_dropped_after() -> None:
    require_postgres()
    with fresh_database(POSTGRES_SERVER) as url:
        name = url.rsplit("/", 1)[1]
        psycopg2.connect(url, connect_timeout=5).close()  # it exists and is empty
        endpoints = yaml.safe_load(shared_endpoints(url, "redis://127.0.0.1:6379/0", "tag1"))
    assert endpoints == {
        "tracker_store": {
            "type": "SQL", "dialect": "postgresql", "url": "127.0.0.1", "port": 5432,
            "db": name, "username": "postgres",
        },
        "lock_store": {
            "type": "redis", "url": "127.0.0.1", "port": 6379, "key_prefix": "benchtag1",
        },
    }  # fmt: skip
    with pytest.raises(psycopg2.OperationalError, match="does not exist"):
        psycopg2.connect(url, connect_timeout=5)


def test_growth_ratios_compare_the_last_window_and_the_fuller_stores() -> None:
    from bot.bench.growth import Cost, Growth, ThreadGrowth, format_growth, whole_windows

    assert whole_windows(200) == 204  # windows of two six-message scripts
    assert whole_windows(1) == 24
    thread = ThreadGrowth(Cost(100.0, 30.0, 12), Cost(250.0, 60.0, 12), 204, 12)
    growth = Growth(
        "rasa",
        thread,
        base=Cost(100.0, 30.0, 30),
        crowded=Cost(110.0, 33.0, 30),
        full=Cost(121.0, 33.0, 30),
        open_conversations=500,
        stored=1_000_000,
    )
    assert growth.ratios() == pytest.approx(
        {
            "messages 193-204 / 1-12": (2.5, 2.0),
            "+500 open conversations": (1.1, 1.1),
            "+1,000,000 stored messages": (1.1, 1.0),
        }
    )
    table = format_growth([growth]).splitlines()
    assert table[2].split()[-3:] == ["250.0", "60.0", "0"]
    assert table[-1] == (
        "  rasa: messages 193-204 / 1-12 2.50x, 2.00x; +500 open conversations 1.10x, 1.10x;"
        " +1,000,000 stored messages 1.10x, 1.00x"
    )
