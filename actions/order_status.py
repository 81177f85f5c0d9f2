"""Order status: the form's validation and the lookup in the demo table."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.demo_orders import DEFAULT_LANGUAGE, ORDERS, describe

_NUMBER = re.compile(r"(?:fh)?[\s#-]*(\d{5})", re.IGNORECASE)


def normalise_order_number(text: str) -> str | None:
    """An order number written "fh10234", "#10234" or "FH-10234", as "FH-10234"; else None."""
    match = _NUMBER.fullmatch(text.strip())
    return f"FH-{match.group(1)}" if match else None


class ValidateOrderStatusForm(FormValidationAction):
    """Checks the order number the customer gave."""

    def name(self) -> str:
        """The form validation action's name."""
        return "validate_order_status_form"

    def validate_order_number(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        """Accept a well-formed number in its canonical form, or ask again."""
        number = normalise_order_number(str(value or ""))
        if number is None:
            dispatcher.utter_message(response="utter_invalid_order_number")
        return {"order_number": number}


class ActionOrderStatus(Action):
    """Tells the customer where their order is."""

    def name(self) -> str:
        """The action's name."""
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Look the number up and answer; forget it so the next question starts afresh."""
        number = normalise_order_number(str(tracker.get_slot("order_number") or ""))
        order = ORDERS.get(number) if number else None
        if number is None or order is None:
            dispatcher.utter_message(response="utter_order_not_found")
        else:
            template, values = describe(number, order, customer_language(tracker))
            dispatcher.utter_message(response=template, **values)
        return [SlotSet("order_number", None)]


def customer_language(tracker: Tracker) -> str:
    """The language of the customer's latest message (the pipeline puts it in its metadata)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            language = (event.get("metadata") or {}).get("language")
            return language if isinstance(language, str) and language else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE
