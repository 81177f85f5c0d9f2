"""`action_order_status` that stalls while the test's stall file exists."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_status import ActionOrderStatus

STALL_LIMIT_SECONDS = 120.0


class StallingOrderStatus(ActionOrderStatus):
    """The demo's order lookup, held back while `$STALL_FILE` exists.

    A subclass is registered after its parent, so it replaces the demo's action.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Wait while the stall file exists (at most two minutes), then look up."""
        stall = Path(os.environ.get("STALL_FILE", "/nonexistent"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STALL_LIMIT_SECONDS
        while stall.exists() and loop.time() < deadline:
            await asyncio.sleep(0.05)  # the fault being injected: a slow order system
        return await super().run(dispatcher, tracker, domain)
