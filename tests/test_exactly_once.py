"""Exactly once across processes: two bot processes on one PostgreSQL store, one
PostgreSQL tracker store and a Redis lock store, as several workers run.

A message id is stored once and answered once, however many copies arrive at once
and at whichever process; a process killed with SIGKILL mid-answer is answered for by
the retry, without running the message through rasa a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.conftest import require_postgres
from tests.delivery_load import Figures, count, duplicated_conversations, kill_under_load
from tests.delivery_servers import BotProcess, SharedStores, bot_processes, shared_stores

# Short, so that what a killed process held lapses soon: its claims on answering
# (after 2 x 8 + 5 s) and its conversations' tickets in rasa's lock store (20 s).
SHORT_LEASES = {"BOT_ENGINE_REPLY_TIMEOUT_SECONDS": "8", "TICKET_LOCK_LIFETIME": "20"}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStores]:
    require_postgres()
    with shared_stores(tmp_path_factory.mktemp("shared")) as shared:
        yield shared


@pytest.fixture(scope="module")
def bots(
    stores: SharedStores, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[BotProcess]]:
    """Two bot processes on the shared stores, as two workers."""
    with bot_processes(stores, tmp_path_factory.mktemp("bots"), 2, SHORT_LEASES) as started:
        yield started


def report(name: str, figures: Figures) -> None:
    print(f"\n{name}: {figures.line()}")


def test_twenty_conversations_with_copies_at_two_processes_are_answered_once(
    stores: SharedStores, bots: list[BotProcess]
) -> None:
    messages = asyncio.run(
        duplicated_conversations([bot.url for bot in bots], conversations=20, turns=3)
    )
    figures = count(stores, messages)
    report("copies at two processes", figures)
    assert figures.sent == 60 and figures.deliveries >= 150
    assert figures.internal_errors == 0
    assert figures.acknowledged == figures.stored == figures.answered == 60
    assert (figures.lost, figures.duplicated, figures.different_answers) == (0, 0, 0)


def test_three_kills_under_load_lose_nothing_and_run_rasa_once_per_message(
    stores: SharedStores, bots: list[BotProcess]
) -> None:
    messages, kills = asyncio.run(kill_under_load(bots, kills=3))
    figures = count(stores, messages)
    report(f"{kills} kills under load", figures)
    assert kills == 3
    assert figures.errors > 0  # the kills were felt: deliveries failed and were retried
    assert figures.internal_errors == 0
    assert figures.acknowledged == figures.sent == figures.stored == figures.answered
    assert (figures.lost, figures.duplicated, figures.different_answers) == (0, 0, 0)
