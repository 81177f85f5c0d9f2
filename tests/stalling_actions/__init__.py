"""The demo's custom actions, with an order lookup that can be made to stall.

Tests start the bot with `BOT_PROJECT_ACTIONS=tests.stalling_actions` and
`STALL_FILE=<path>`: while that file exists, `action_order_status` waits (without
blocking rasa's loop) until it is removed, so the engine's reply time-out fails the
message for real; once it is removed, the demo's own action answers.
"""

from __future__ import annotations

import importlib
import pkgutil

import actions

# rasa-sdk registers every loaded `Action` subclass: load the demo's first.
for module in pkgutil.iter_modules(actions.__path__):
    importlib.import_module(f"actions.{module.name}")
