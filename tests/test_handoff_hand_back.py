"""After a hand-back, what the customer said before it does not escalate again (live server)."""

from __future__ import annotations

from tests.servers import LiveServer
from tests.test_handoff_flow import Agent, Customer, agents, team  # noqa: F401 (fixtures)


def test_a_hand_back_then_routine_questions_stay_with_the_bot(
    server: LiveServer,
    team: dict[str, Agent],  # noqa: F811 (the fixture)
) -> None:
    ana = team["ana"]
    ana.presence("online")
    customer = Customer(server)
    customer.texts("I want to talk to a real person please")
    (thread,) = [t for t in ana.queue() if t["chat_id"] == customer.sender]
    assert "asked for a person" in thread["escalation"]["reason"]
    ana.call("POST", f"/threads/{thread['id']}/hand-back")

    for question in ("Quels sont vos horaires d'ouverture ?", "how much is delivery?"):
        answers = customer.texts(question)
        assert answers, question
    # The bot's thread again, so for supervisors only.
    ana.call("GET", f"/threads/{thread['id']}", 404)
    events = [e["event"] for e in team["sam"].thread(thread["id"])["events"]]
    assert events == ["escalate", "assign", "hand_back"]  # no second escalation
    assert not [t for t in ana.queue() if t["chat_id"] == customer.sender]
