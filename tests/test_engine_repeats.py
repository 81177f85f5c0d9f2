"""A repeated message whose turn rasa saved already: its answers come from the tracker."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.engine.rasa_engine import _answers_in, _outbound


def test_the_bot_events_after_the_message_are_its_answers() -> None:
    buttons = [{"title": "Yes", "payload": "/affirm"}]
    tracker = DialogueStateTracker.from_events(
        "rest:alice",
        [
            UserUttered("hi", message_id="first"),
            ActionExecuted("utter_greet"),
            BotUttered("Hello!", data={"buttons": buttons}),
            BotUttered("How can I help?"),
            UserUttered("bye", message_id="second"),
            BotUttered("Goodbye."),
        ],
    )

    answers = _answers_in(tracker, "first")
    assert answers is not None
    assert [_outbound(answer) for answer in answers] == [
        _outbound({"text": "Hello!", "buttons": buttons}),
        _outbound({"text": "How can I help?"}),
    ]
    assert [a["text"] for a in _answers_in(tracker, "second") or []] == ["Goodbye."]
    assert _answers_in(tracker, "never-seen") is None  # not taken: rasa runs it
