"""The console's store on real SQLite and PostgreSQL, and its pure parts: password
hashes and the canned-answer search (the sign-in throttle: tests/store/test_sign_in.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.store import Database
from core.messages import Author, Inbound, Outbound
from handoff.canned import CannedAnswer, search, template_answers
from handoff.passwords import check_strength, hash_password, hash_secret, verify_password


async def agent_ids(store: Database) -> dict[str, int]:
    return await store.agents.sync_agents(["ana", "ben"])


async def test_a_new_password_revokes_the_old_one(store: Database) -> None:
    ids = await agent_ids(store)
    console = store.credentials
    assert await console.password_hash(ids["ana"]) is None
    await console.set_password(ids["ana"], "first-hash")
    await console.set_password(ids["ana"], "second-hash")
    assert await console.password_hash(ids["ana"]) == "second-hash"
    assert await console.password_hash(ids["ben"]) is None


async def test_sessions_are_found_by_hash_until_revoked(store: Database) -> None:
    ids = await agent_ids(store)
    console = store.credentials
    expires = datetime.now(timezone.utc) + timedelta(hours=1)
    await console.create_session(ids["ben"], hash_secret("secret"), expires)
    found = await console.session(hash_secret("secret"))
    assert found is not None and found.agent_id == ids["ben"] and not found.revoked
    assert abs(found.expires_at - expires) < timedelta(seconds=1)
    assert await console.session(hash_secret("other")) is None

    await console.revoke_session(hash_secret("secret"))
    revoked = await console.session(hash_secret("secret"))
    assert revoked is not None and revoked.revoked
    await console.delete_expired_sessions(expires + timedelta(seconds=1))
    assert await console.session(hash_secret("secret")) is None


async def test_snippets_belong_to_one_agent(store: Database) -> None:
    ids = await agent_ids(store)
    console = store.agents
    second = await console.add_snippet(ids["ana"], "Refund", "Your refund is on its way.")
    first = await console.add_snippet(ids["ana"], "Apology", "I'm so sorry about this.")
    assert [s.title for s in await console.snippets(ids["ana"])] == ["Apology", "Refund"]
    assert await console.snippets(ids["ben"]) == []
    assert not await console.delete_snippet(ids["ben"], first.id)
    assert await console.delete_snippet(ids["ana"], first.id)
    assert [s.id for s in await console.snippets(ids["ana"])] == [second.id]


async def test_a_customers_threads_come_with_counts_and_their_first_line(store: Database) -> None:
    hello = Inbound(channel="rest", chat_id="carol", sender_id="carol", text="my lamp broke")
    old, _, _ = await store.messages.record_inbound(hello)
    await store.messages.record_replies(old.id, [Outbound("Sorry!")], author=Author.BOT)
    await store.messages.record_replies(old.id, [Outbound("VIP")], author=Author.NOTE, sent=True)
    await store.threads.close(old.id, rating=4)
    new, _, _ = await store.messages.record_inbound(
        Inbound(channel="rest", chat_id="carol", sender_id="carol", text="hello again")
    )

    summaries = await store.threads.customer_threads(old.customer_id)
    assert [(s.id, s.message_count, s.preview) for s in summaries] == [
        (new.id, 1, "hello again"),
        (old.id, 2, "my lamp broke"),  # the private note is not counted
    ]
    assert summaries[1].rating == 4 and summaries[1].closed_at is not None


def test_passwords_are_salted_and_checked() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert stored != hash_password("correct horse")  # a fresh salt each time
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert not verify_password("correct horse", None)
    assert not verify_password("correct horse", "md5$abc")
    assert not verify_password("correct horse", "scrypt$bad")
    assert check_strength("short") is not None
    assert check_strength("        ") is not None
    assert check_strength("long enough") is None


def test_canned_answers_leave_out_the_bots_own_notices_and_match_every_word() -> None:
    answers = template_answers(
        {
            "utter_delivery_costs": ["Delivery is £4.95.", "Shipping costs £4.95."],
            "utter_returns": ["Returns are free for 30 days."],
            "utter_handoff_assigned": ["{agent} is taking over."],
            "utter_greet_name": ["Hello {name}!"],
            "utter_iamabot": ["I'm a bot."],
        },
        exclude={"utter_iamabot"},
    )
    assert [a.title for a in answers] == ["Delivery costs (1)", "Delivery costs (2)", "Returns"]
    assert [a.key for a in search(answers, "COSTS shipping")] == ["utter_delivery_costs#2"]
    snippet = CannedAnswer("snippet", "7", "Free returns", "We pay the return postage.")
    assert [a.title for a in search([*answers, snippet], "returns")] == [
        "Returns",
        "Free returns",
    ]
    assert len(search(answers, "")) == 3
    assert search(answers, "", limit=1) == answers[:1]
