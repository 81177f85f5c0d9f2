"""Exactly once across processes: two bot processes on one PostgreSQL store, one
PostgreSQL tracker store and a Redis lock store, as several workers run.

A message id is stored once and answered once, however many copies arrive at once
and at whichever process; a process killed with SIGKILL mid-answer is answered for by
the retry, without running the message through rasa a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_postgres
from tests.delivery_load import Figures, count, duplicated_conversations, kill_under_load
from tests.delivery_servers import SharedStores, bot_processes, shared_stores

# Short, so that what a killed process held lapses soon: its claims on answering
# (after 2 x 5 + 5 s) and its conversations' tickets in rasa's lock store (10 s).
REPLY_TIMEOUT = {"BOT_ENGINE_REPLY_TIMEOUT_SECONDS": "5", "TICKET_LOCK_LIFETIME": "10"}


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[SharedStores]:
    require_postgres()
    with shared_stores(tmp_path) as shared:
        yield shared


def report(name: str, figures: Figures) -> None:
    print(f"\n{name}: {figures.line()}")


def test_twenty_conversations_with_copies_at_two_processes_are_answered_once(
    stores: SharedStores, tmp_path: Path
) -> None:
    with bot_processes(stores, tmp_path, 2) as bots:
        messages = asyncio.run(
            duplicated_conversations([bot.url for bot in bots], conversations=20, turns=3)
        )
    figures = count(stores, messages)
    report("copies at two processes", figures)
    assert figures.sent == 60 and figures.deliveries >= 150
    assert figures.errors == 0
    assert figures.acknowledged == figures.stored == figures.answered == 60
    assert (figures.lost, figures.duplicated, figures.different_answers) == (0, 0, 0)


def test_three_kills_under_load_lose_nothing_and_run_rasa_once_per_message(
    stores: SharedStores, tmp_path: Path
) -> None:
    with bot_processes(stores, tmp_path, 2, REPLY_TIMEOUT) as bots:
        messages, kills = asyncio.run(kill_under_load(bots, kills=3))
    figures = count(stores, messages)
    report(f"{kills} kills under load", figures)
    assert kills == 3
    assert figures.errors > 0  # the kills were felt: deliveries failed and were retried
    assert figures.acknowledged == figures.sent == figures.stored == figures.answered
    assert (figures.lost, figures.duplicated, figures.different_answers) == (0, 0, 0)
