"""Built-in texts for the handoff's notices, for a domain that does not define them.

A rasa project written before this framework (or for another one) has none of the
`utter_handoff_*` templates; the handoff still has to tell the customer what is
happening, so these plain, brand-neutral texts stand in, with a warning at start-up
and from `validate`. Copy them into the domain's `responses:` to make them the
brand's own. `{placeholders}` are filled in by the framework.
"""

from __future__ import annotations

DEFAULT_TEXTS: dict[str, str] = {
    "utter_handoff_assigned": "{agent} from our team is taking over and will reply here shortly.",
    "utter_handoff_queued": (
        "All our colleagues are busy right now. You're number {position} in the queue; "
        "the wait is about {wait}. A colleague will answer in this chat."
    ),
    "utter_handoff_closed": (
        "Our team is away at the moment; someone will reply {opening}. "
        "Leave your message here and it won't be missed."
    ),
    "utter_handoff_unstaffed": (
        "No colleague is free just now, but your conversation is saved and the next one "
        "who is will reply here."
    ),
    "utter_handoff_transferred": "{agent} is taking over your conversation now.",
    "utter_handoff_delay": (
        "Sorry for the wait, we haven't forgotten you. I'm finding the next free colleague."
    ),
    "utter_handed_back": (
        "{agent} has handed you back to me, the automated assistant. What else can I help with?"
    ),
    "utter_handoff_resolved": (
        "{agent} has marked this as resolved. How would you rate the help you got, "
        "from 1 (poor) to 5 (excellent)?"
    ),
    "utter_rating_thanks": "Thank you for your rating! It helps us get better.",
    "utter_public_complaint": (
        "We're sorry to read this and want to put it right. Please message us privately "
        "so a colleague can look into the details with you: {link}"
    ),
    "utter_non_text": (
        "Thanks for the {kind}! I can only read text: could you tell me in a few words "
        "what you need?"
    ),
    "utter_command_start": (
        "Hello! Ask me your question in your own words, or ask for a person at any time."
    ),
    "utter_command_help": (
        "Write your question in your own words. To talk to a person, say so and a "
        "colleague will reply in this chat."
    ),
}
