"""rasa sessions that also end after a number of customer messages, at a point of rest.

rasa's policies turn the whole current session into states on every prediction
(several per message), so a message costs more the longer its session is: the
200th of one conversation cost several times the 1st. rasa's tracker stores read
only the current session, and a new session carries the slots over
(`session_config.carry_over_slots_to_new_session`), so bounding a session bounds a
message's cost without forgetting what the customer told the bot.

A session is ended only where nothing in progress can be cut: the bot is listening
(its last action was `action_listen`), no form is active and no slot is being asked
for. The next message then starts a new session, exactly as rasa does when a
session expires (`action_session_start`: `SessionStarted`, the carried-over slots,
`action_listen`). The policies look back only a few turns (the demo's rules two
steps, `MemoizationPolicy` five actions), far fewer than a session holds.

rasa's own session start carries over every `SlotSet` of the session before,
including the ones that session carried over itself, so each new session would
start longer than the last; here it carries each slot's latest value once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.core.actions.action import Action, ActionSessionStart
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.shared.core.trackers import DialogueStateTracker


class BoundedSessions(MessageProcessor):  # type: ignore[misc]
    """rasa's processor, whose sessions also expire after `session_messages` messages."""

    session_messages = 0  # set by `install` (engine.session_messages)

    @classmethod
    def install(cls, agent: Agent, session_messages: int) -> None:
        """Make `agent`'s processor end sessions after `session_messages` (0: never).

        The processor rasa built is kept (it holds the loaded model's graph); only
        its session rule changes.
        """
        if session_messages > 0 and agent.processor is not None:
            agent.processor.__class__ = cls
            agent.processor.session_messages = session_messages

    def _has_session_expired(self, tracker: DialogueStateTracker) -> bool:
        """Expired as rasa judges it (time since the last message), or full and at rest."""
        expired: bool = super()._has_session_expired(tracker)
        return expired or (
            self.domain.session_config.are_sessions_enabled()
            and session_full(tracker, self.session_messages)
        )

    def _get_action(self, action_name: str) -> Action | None:
        """The action of that name; the session start carries each slot over once."""
        action = super()._get_action(action_name)
        if type(action) is ActionSessionStart:  # not a project's own action_session_start
            return LatestSlotsSessionStart()
        return action


class LatestSlotsSessionStart(ActionSessionStart):  # type: ignore[misc]
    """rasa's `action_session_start`, carrying over the latest value of each slot."""

    @staticmethod
    def _slot_set_events_from_tracker(tracker: DialogueStateTracker) -> list[SlotSet]:
        latest: dict[str, SlotSet] = {}
        for event in tracker.applied_events():
            if isinstance(event, SlotSet):
                latest.pop(event.key, None)  # keep the order in which slots were last set
                latest[event.key] = SlotSet(event.key, event.value, metadata=event.metadata)
        return list(latest.values())


def session_full(tracker: DialogueStateTracker, messages: int) -> bool:
    """Whether `tracker`'s session holds `messages` customer messages and can end here."""
    at_rest = (
        tracker.latest_action_name == ACTION_LISTEN_NAME
        and not tracker.active_loop_name
        and _requested_slot(tracker) is None
    )
    return at_rest and messages_in_session(tracker) >= messages


def _requested_slot(tracker: DialogueStateTracker) -> object:
    slot = tracker.slots.get(REQUESTED_SLOT)  # a domain without forms has none
    return None if slot is None else slot.value


def messages_in_session(tracker: DialogueStateTracker) -> int:
    """The customer messages since the tracker's latest `SessionStarted`."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            count += 1
    return count
