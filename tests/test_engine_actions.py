"""The in-process custom actions' answers are still checked after the speed-up."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.engine.actions import validate_action_results_with_a_compiled_schema


def test_answers_are_validated_as_rasa_does() -> None:
    validate_action_results_with_a_compiled_schema()
    validate_action_results_with_a_compiled_schema()  # a second call changes nothing
    action = RemoteAction("action_order_status", EndpointConfig("http://unused"))
    good = {"events": [{"event": "slot", "name": "order", "value": "FH-1"}], "responses": []}
    assert action._validate_action_result(good) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"no_event_key": 1}], "responses": []})
