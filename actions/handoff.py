"""`action_handoff`: lets stories and rules hand a conversation to a person.

The action does not move the thread itself: it answers with a `handoff` payload, and
the framework's pipeline passes it to the handoff services, the same path every other
escalation takes. That also works when the actions run on a separate action server.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionHandoff(Action):
    """Ask the framework to pass the conversation to a human agent."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Send the handoff request with the reason the conversation gives."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = {
            "request_human": "the customer asked for a person",
            "complaint": "the customer complained",
        }.get(str(intent), f"the conversation asked for a person (after {intent})")
        dispatcher.utter_message(json_message={"handoff": {"reason": reason}})
        return []
