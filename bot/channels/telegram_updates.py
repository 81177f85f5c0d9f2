"""Reading Telegram updates: what each one means to the framework, without any I/O.

An update is one of:
- a customer's message (`CustomerTurn`): text, a command, an edit, or something
  without text (a photo, a voice message...), in a private chat or in public (a group,
  or the comments under a channel post, which live in the channel's discussion group);
- a message in the agents' group (`DeskTurn`);
- a customer blocking or unblocking the bot (`BlockChange`);
- or nothing the framework handles (None): service messages, other bots, the
  automatic copies of channel posts in the discussion group.

Threads are keyed by chat: a private chat is the customer's own; in public, each
customer has their own thread in that chat, keyed "<chat id>/<user id>".
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any
from weakref import WeakValueDictionary

from telegram import Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType

from bot.web.validation import parse_json
from core.errors import BadRequest
from core.messages import Inbound

# The updates the channel asks Telegram for.
ALLOWED_UPDATES = ("message", "edited_message", "my_chat_member")
PUBLIC_CHATS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
COMMANDS = frozenset({"start", "help"})  # any other command is answered with the help
# Messages without text, by the Message attribute that holds them: what the customer
# is told they sent. A GIF also carries a document, so animations come first.
ATTACHMENTS = (
    ("animation", "GIF"),
    ("photo", "photo"),
    ("sticker", "sticker"),
    ("voice", "voice message"),
    ("video_note", "video message"),
    ("video", "video"),
    ("audio", "audio file"),
    ("document", "document"),
    ("location", "location"),
    ("contact", "contact"),
)
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.DOTALL)
_PUBLIC_PAYLOAD = re.compile(r"^g(-?\d{1,20})$")


@dataclass(frozen=True)
class CustomerTurn:
    """A customer's message, ready for the pipeline.

    Attributes:
        inbound: The message as the pipeline takes it.
        chat: The Telegram chat to answer in.
        message_id: Telegram's id of the message (answers in public quote it).
        public: Written where others read it.
    """

    inbound: Inbound
    chat: int
    message_id: int
    public: bool


@dataclass(frozen=True)
class DeskTurn:
    """A message written in the agents' group."""

    user_id: int
    text: str
    message_id: int
    reply_to: int | None  # the group message it answers, if any


@dataclass(frozen=True)
class BlockChange:
    """A customer blocked the bot in their private chat, or unblocked it."""

    user_id: int
    blocked: bool


Turn = CustomerTurn | DeskTurn | BlockChange


@dataclass(frozen=True)
class Target:
    """Where a thread's messages go on Telegram."""

    chat: int
    user_id: int | None  # the customer, in public; None in a private chat (chat = user)

    @property
    def public(self) -> bool:
        """A group chat, read by others."""
        return self.user_id is not None

    @property
    def customer(self) -> str:
        """The customer's id (their external id in the store)."""
        return str(self.user_id if self.user_id is not None else self.chat)


def thread_chat_id(chat: int, user_id: int, public: bool) -> str:
    """The framework's chat id for a customer in a Telegram chat."""
    return f"{chat}/{user_id}" if public else str(chat)


def target_of(chat_id: str) -> Target:
    """Where to send a thread's messages, from its chat id."""
    chat, _, user = chat_id.partition("/")
    return Target(int(chat), int(user) if user else None)


@dataclass(frozen=True)
class UpdateReader:
    """Turns updates into turns for one bot.

    Attributes:
        channel: The adapter's registry name.
        bot_id: The bot's user id.
        bot_username: The bot's username (for mentions, commands and links).
        agents_chat: The agents' group, if there is one.
    """

    channel: str
    bot_id: int
    bot_username: str
    agents_chat: int | None = None

    def read(self, update: Update) -> Turn | None:
        """What an update means, or None when there is nothing to do."""
        if update.my_chat_member is not None:
            member = update.my_chat_member
            if member.chat.type != ChatType.PRIVATE:
                return None
            status = member.new_chat_member.status
            if status not in (ChatMemberStatus.BANNED, ChatMemberStatus.MEMBER):
                return None
            return BlockChange(member.chat.id, status == ChatMemberStatus.BANNED)
        message = update.message or update.edited_message
        if message is None or not _from_a_person(message):
            return None
        if message.chat.id == self.agents_chat:
            if not message.text:
                return None
            reply_to = message.reply_to_message
            return DeskTurn(
                _user(message).id,
                message.text,
                message.message_id,
                reply_to.message_id if reply_to is not None else None,
            )
        return self._customer_turn(message, edited=update.edited_message is not None)

    def private_link(self, chat: int) -> str:
        """The deep link that opens a private chat continuing a public one."""
        return f"https://t.me/{self.bot_username}?start=g{chat}"

    def _customer_turn(self, message: Message, *, edited: bool) -> CustomerTurn | None:
        user = _user(message)
        public = message.chat.type in PUBLIC_CHATS
        if not public and message.chat.type != ChatType.PRIVATE:
            return None
        content = read_content(message)
        if content is None:
            return None
        text, attachment = content
        metadata: dict[str, Any] = {
            "telegram": {"chat_type": str(message.chat.type), "message_id": message.message_id}
        }
        if user.language_code:
            metadata["language"] = user.language_code.split("-")[0].lower()
        if attachment is not None:
            metadata["attachment"] = attachment
        message_id = str(message.message_id)
        if edited:
            edited_at = message.edit_date or message.date
            message_id = f"{message.message_id}.edit.{int(edited_at.timestamp())}"
            metadata["edited"] = True
        elif message.text:
            metadata.update(self._command(message.text, user, public))
        if public:
            metadata.update(
                public=True,
                addressed=self._addressed(message),
                private_link=self.private_link(message.chat.id),
            )
        inbound = Inbound(
            channel=self.channel,
            chat_id=thread_chat_id(message.chat.id, user.id, public),
            sender_id=str(user.id),
            text=text,
            message_id=message_id,
            sender_name=user.full_name,
            sender_handle=user.username,
            metadata=metadata,
        )
        return CustomerTurn(inbound, message.chat.id, message.message_id, public)

    def _command(self, text: str, user: User, public: bool) -> dict[str, Any]:
        """`command` (and `continue_from` for a deep link) for a command to this bot."""
        match = _COMMAND.match(text.strip())
        if match is None:
            return {}
        name, addressee, argument = match.groups()
        if addressee is not None and addressee.lower() != self.bot_username.lower():
            return {}  # a command for another bot in the group
        if public and addressee is None:
            return {}  # in a group, only commands addressed to this bot
        command = name.lower() if name.lower() in COMMANDS else "help"
        found: dict[str, Any] = {"command": command}
        payload = _PUBLIC_PAYLOAD.match((argument or "").strip())
        if command == "start" and payload is not None and not public:
            found["continue_from"] = thread_chat_id(int(payload.group(1)), user.id, True)
        return found

    def _addressed(self, message: Message) -> bool:
        """Whether a public message speaks to the bot (or to the brand, under its post)."""
        replied = message.reply_to_message
        if replied is not None:
            if replied.is_automatic_forward:
                return True  # a comment under the brand's channel post
            if replied.from_user is not None and replied.from_user.id == self.bot_id:
                return True
        text = message.text or message.caption or ""
        return f"@{self.bot_username}".lower() in text.lower()


def read_content(message: Message) -> tuple[str, dict[str, Any] | None] | None:
    """The text to store for a message, and what it carries besides text.

    Returns:
        (text, attachment) for text ("hello", None) and for attachments
        ("[photo] caption", {"kind": "photo", "file_id": ...}); None for anything else.
    """
    if message.text:
        return message.text, None
    for attribute, kind in ATTACHMENTS:
        value = getattr(message, attribute, None)
        if not value:
            continue
        details = _attachment_details(attribute, value)
        label = f"[{kind}{' ' + details.pop('label') if 'label' in details else ''}]"
        caption = message.caption or ""
        attachment = {"kind": kind, **details, **({"caption": caption} if caption else {})}
        return (f"{label} {caption}" if caption else label), attachment
    return None


def _attachment_details(attribute: str, value: Any) -> dict[str, Any]:
    """What agents need to find an attachment again: the file id, or the place."""
    if attribute == "photo":
        value = value[-1]  # the largest size
    if attribute == "location":
        return {
            "latitude": value.latitude,
            "longitude": value.longitude,
            "label": f"{value.latitude:.5f}, {value.longitude:.5f}",
        }
    if attribute == "contact":
        return {"phone_number": value.phone_number, "label": value.first_name}
    details = {"file_id": value.file_id, "file_unique_id": value.file_unique_id}
    for extra in ("file_name", "mime_type", "emoji"):
        if getattr(value, extra, None):
            details[extra] = getattr(value, extra)
    if attribute == "sticker" and value.emoji:
        details["label"] = value.emoji
    return details


def _from_a_person(message: Message) -> bool:
    """Written by a person, not a bot, an anonymous admin or Telegram's post copy."""
    user = message.from_user
    return (
        user is not None
        and not user.is_bot
        and message.sender_chat is None
        and not message.is_automatic_forward
    )


def _user(message: Message) -> User:
    user = message.from_user
    assert user is not None  # checked by _from_a_person
    return user


def update_body(body: bytes | None) -> dict[str, Any]:
    """A webhook call's body, if it is an update (read by the edge's `parse_json`)."""
    update = parse_json(body)
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise BadRequest("not a Telegram update: no whole-number update_id")
    return update


def lock_for(locks: WeakValueDictionary[Any, asyncio.Lock], key: Any) -> asyncio.Lock:
    """The lock for `key`, made when first needed and dropped when nobody holds it."""
    lock = locks.get(key)
    if lock is None:
        lock = locks[key] = asyncio.Lock()
    return lock
