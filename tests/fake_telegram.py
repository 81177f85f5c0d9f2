"""A fake Telegram Bot API server over real HTTP, for python-telegram-bot to talk to.

It implements the methods the channel calls as https://core.telegram.org/bots/api
documents them: getMe, getUpdates (long polling, offsets confirming updates),
setWebhook, deleteWebhook, getWebhookInfo and sendMessage (HTML checked as Telegram
checks it). Parameters come as the Bot API takes them (query string, form or JSON);
answers are `{"ok": true, "result": ...}` or `{"ok": false, "error_code": ...,
"description": ..., "parameters": ...}`.

Tests push updates (served to getUpdates, or POSTed to the webhook with its secret
header, and retried as Telegram retries), read what the bot sent, and make the next
calls fail: 429 with `retry_after`, 403 "bot was blocked by the user", or a
connection dropped without an answer.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx

T = TypeVar("T")
TOKEN = "123456:TESTtoken-abcdefghijklmnopqrstuv"
Json = dict[str, Any]
DROP = object()  # close the connection without answering
_TAGS = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|code|pre|a|tg-spoiler|blockquote)\b[^>]*>"
)
_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def answer(self) -> tuple[int, Json]:
        body: Json = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return self.code, body


@dataclass
class Failure:
    """The next `times` calls of `method` (to `chat_id`, if given) fail this way."""

    method: str
    kind: str  # "retry_after", "blocked" or "drop"
    chat_id: int | None = None
    times: int = 1
    retry_after: int = 1

    def error(self) -> ApiError | None:
        if self.kind == "retry_after":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "blocked":
            return ApiError(403, "Forbidden: bot was blocked by the user")
        return None  # dropped


class FakeTelegram:
    """The fake server; start it with `with FakeTelegram(token) as fake:`."""

    def __init__(self, token: str, bot_username: str = "FernhillTestBot") -> None:
        self.token = token
        self.bot_user: Json = {
            "id": 7000001,
            "is_bot": True,
            "first_name": "Fernhill Home",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        self.calls: list[tuple[str, Json]] = []
        self.sent: list[Json] = []
        self.failed: list[tuple[str, int | None, str]] = []
        self.webhook: Json | None = None
        self.deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status) per webhook POST
        self._lock = threading.Condition()
        self._pending: list[Json] = []
        self._again: list[Json] = []
        self._failures: list[Failure] = []
        self._given: dict[int, int] = {}  # update id -> how many times it was given
        self._served: dict[int, list[int]] = {}  # update id -> the polls that served it
        self._polls = 0
        self._next_update = 100
        self._next_message: dict[int, int] = {}
        self._chats: dict[int, Json] = {}
        self._webhook_queue: queue.Queue[Json | None] = queue.Queue()
        self._closing = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True),
            threading.Thread(target=self._deliver_webhooks, daemon=True),
        ]

    # Running

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        """The bot's settings for talking to this server."""
        return {
            "BOT_CHANNELS_TELEGRAM_TOKEN": self.token,
            "BOT_CHANNELS_TELEGRAM_BASE_URL": f"{self.url}/bot",
            "BOT_CHANNELS_TELEGRAM_BASE_FILE_URL": f"{self.url}/file/bot",
        }

    def __enter__(self) -> FakeTelegram:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        self._webhook_queue.put(None)
        self._server.shutdown()
        self._server.server_close()

    # What tests do

    def user(self, user_id: int, first_name: str = "Jane", **fields: Any) -> Json:
        """A Telegram user (a customer or an agent)."""
        return {"id": user_id, "is_bot": False, "first_name": first_name, **fields}

    def private_chat(self, user: Json) -> Json:
        """The private chat between a user and the bot."""
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def group(self, chat_id: int, title: str = "Fernhill Home fans") -> Json:
        """A supergroup (a public group, or a channel's discussion group)."""
        return {"id": chat_id, "type": "supergroup", "title": title}

    def message(self, chat: Json, sender: Json, text: str | None = None, **fields: Any) -> Json:
        """A message from `sender` in `chat`, with the chat's next message id."""
        with self._lock:
            self._chats[chat["id"]] = chat
            message_id = self._message_id(chat["id"])
        message: Json = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            **fields,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    def push(self, **update: Any) -> Json:
        """Give the bot an update (`message=...`, `edited_message=...`, ...)."""
        with self._lock:
            self._next_update += 1
            update = {"update_id": self._next_update, **update}
            self._given[update["update_id"]] = 1
        self._give(update)
        return update

    def say(self, chat: Json, sender: Json, text: str, **fields: Any) -> Json:
        """Push a text message; the update."""
        return self.push(message=self.message(chat, sender, text, **fields))

    def again(self, update: Json) -> None:
        """Deliver an update once more, as Telegram does when it missed the confirmation."""
        with self._lock:
            self._given[update["update_id"]] += 1
            if self.webhook is None:
                self._again.append(update)
                self._lock.notify_all()
                return
        self._webhook_queue.put(update)

    def fail(self, method: str, kind: str, **options: Any) -> None:
        """Make the next calls of a method fail (see `Failure`)."""
        with self._lock:
            self._failures.append(Failure(method, kind, **options))

    def sent_to(self, chat_id: int) -> list[Json]:
        """The messages the bot sent to a chat, in order."""
        with self._lock:
            return [m for m in self.sent if m["chat_id"] == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        """The texts the bot sent to a chat, as the customer reads them."""
        return [m["text"] for m in self.sent_to(chat_id)]

    def handled(self, update: Json) -> bool:
        """Whether the bot is done with each delivery of an update.

        A polled update is done when the bot polls again after it (it handles a batch
        before asking for more); a webhook call when it was answered with 2xx.
        """
        update_id = update["update_id"]
        with self._lock:
            posted = sum(1 for uid, s in self.deliveries if uid == update_id and 200 <= s < 300)
            polled = sum(1 for poll in self._served.get(update_id, []) if self._polls > poll)
            return posted + polled >= self._given[update_id]

    def wait_handled(self, update: Json, timeout: float = 90) -> None:
        """Wait until the bot is done with an update."""
        wait_for(lambda: self.handled(update), timeout, f"update {update['update_id']} handled")

    # The Bot API

    def call(self, method: str, params: Json) -> tuple[int, Json] | object:
        """Answer one request: the HTTP status and body, or DROP."""
        with self._lock:
            self.calls.append((method, params))
            failure = self._failure_for(method, params)
        if failure is not None:
            error = failure.error()
            return DROP if error is None else error.answer()
        api = getattr(self, f"api_{method.lower()}", None)
        if api is None:
            return ApiError(404, "Not Found: method not found").answer()
        try:
            return 200, {"ok": True, "result": api(params)}
        except ApiError as error:
            return error.answer()

    def api_getme(self, params: Json) -> Json:
        return self.bot_user

    def api_getupdates(self, params: Json) -> list[Json]:
        offset, limit = _number(params.get("offset")), _number(params.get("limit")) or 100
        deadline = time.monotonic() + (_number(params.get("timeout")) or 0)
        with self._lock:
            if self.webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            self._polls += 1
            poll = self._polls
            while True:
                if offset is not None:
                    self._pending = [u for u in self._pending if u["update_id"] >= offset]
                ready = (self._again + self._pending)[:limit]
                if ready or self._closing or time.monotonic() >= deadline:
                    self._again = []
                    for update in ready:
                        self._served.setdefault(update["update_id"], []).append(poll)
                    return ready
                self._lock.wait(max(0.0, deadline - time.monotonic()))

    def api_setwebhook(self, params: Json) -> bool:
        url = params.get("url") or ""
        with self._lock:
            self.webhook = {
                "url": url,
                "secret_token": params.get("secret_token"),
                "allowed_updates": _decoded(params.get("allowed_updates")),
            } if url else None  # fmt: skip
            self._lock.notify_all()
        return True

    def api_deletewebhook(self, params: Json) -> bool:
        with self._lock:
            self.webhook = None
            if _decoded(params.get("drop_pending_updates")) is True:
                self._pending = []
        return True

    def api_getwebhookinfo(self, params: Json) -> Json:
        with self._lock:
            url = self.webhook["url"] if self.webhook else ""
            return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def api_sendmessage(self, params: Json) -> Json:
        chat_id = _chat_id(params.get("chat_id"))
        text = str(params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        visible = _visible_text(text) if params.get("parse_mode") == "HTML" else text
        if len(visible) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        reply = _decoded(params.get("reply_parameters"))
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        with self._lock:
            chat = self._chats.get(chat_id) or _chat_guess(chat_id)
            message: Json = {
                "message_id": self._message_id(chat_id),
                "date": int(time.time()),
                "chat": chat,
                "from": self.bot_user,
                "text": visible,
            }
            if reply_to is not None:
                message["reply_to_message"] = {"message_id": reply_to, "date": 0, "chat": chat}
            self.sent.append(
                {
                    "chat_id": chat_id,
                    "text": visible,
                    "html": text,
                    "reply_to": reply_to,
                    "message_id": message["message_id"],
                    "at": time.monotonic(),
                }
            )
            return message

    # Inside

    def _give(self, update: Json) -> None:
        with self._lock:
            if self.webhook is None:
                self._pending.append(update)
                self._lock.notify_all()
                return
        self._webhook_queue.put(update)

    def _deliver_webhooks(self) -> None:
        """POST each update to the webhook, retrying failures as Telegram does."""
        while (update := self._webhook_queue.get()) is not None:
            for attempt in range(1, 6):
                with self._lock:
                    hook = dict(self.webhook or {})
                if not hook:
                    break
                headers = {"X-Telegram-Bot-Api-Secret-Token": hook.get("secret_token") or ""}
                try:
                    status = httpx.post(hook["url"], json=update, headers=headers, timeout=90)
                    code = status.status_code
                except httpx.HTTPError:
                    code = 0
                with self._lock:
                    self.deliveries.append((update["update_id"], code))
                if 200 <= code < 300:
                    break
                time.sleep(0.5 * attempt)

    def _failure_for(self, method: str, params: Json) -> Failure | None:
        for failure in self._failures:
            wanted = failure.chat_id is None or _chat_id(params.get("chat_id")) == failure.chat_id
            if failure.method == method and wanted:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                self.failed.append((method, failure.chat_id, failure.kind))
                return failure
        return None

    def _message_id(self, chat_id: int) -> int:
        self._next_message[chat_id] = self._next_message.get(chat_id, 0) + 1
        return self._next_message[chat_id]


class Customer:
    """Someone writing to the bot in a private chat (or in a group)."""

    def __init__(self, fake: FakeTelegram, name: str = "Jane") -> None:
        self.fake = fake
        self.id = next_id()
        self.user = fake.user(self.id, name, last_name=str(self.id), language_code="en")
        self.name = f"{name} {self.id}"
        self.chat = fake.private_chat(self.user)

    def say(self, text: str, *, chat: Json | None = None, **fields: Any) -> Json:
        """Write, and wait until the bot has handled it."""
        update = self.fake.say(chat or self.chat, self.user, text, **fields)
        self.fake.wait_handled(update)
        return update

    def send(self, **content: Any) -> Json:
        update = self.fake.push(message=self.fake.message(self.chat, self.user, None, **content))
        self.fake.wait_handled(update)
        return update

    def texts(self) -> list[str]:
        return self.fake.texts_to(self.id)


_ids = itertools.count(10_000)


def next_id() -> int:
    """A Telegram id no other test uses (users, chats)."""
    return next(_ids)


def wait_for(check: Callable[[], T], timeout: float = 90, what: str = "the condition") -> T:
    """Poll `check` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _dispatch(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path, _, query = self.path.partition("?")
            match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
            if match is None:
                self._answer(*ApiError(404, "Not Found").answer())
            elif match.group(1) != fake.token:
                self._answer(*ApiError(401, "Unauthorized").answer())
            else:
                params = _params(query, body, self.headers.get("Content-Type") or "")
                outcome = fake.call(match.group(2), params)
                if outcome is DROP:
                    self.close_connection = True
                    return
                assert isinstance(outcome, tuple)
                self._answer(*outcome)

        def _answer(self, status: int, body: Json) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)  # fails when the bot stopped during a long poll

    return Handler


def _params(query: str, body: bytes, content_type: str) -> Json:
    """Request parameters, from the query string, a form or a JSON body."""
    params: Json = {key: values[-1] for key, values in parse_qs(query).items()}
    if content_type.startswith("application/json"):
        params.update(json.loads(body or b"{}"))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode(), keep_blank_values=True)
        params.update({key: values[-1] for key, values in form.items()})
    return params


def _decoded(value: Any) -> Any:
    """A form field that holds JSON (an object, a list, a number or a boolean)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _number(value: Any) -> int | None:
    decoded = _decoded(value)
    return int(decoded) if isinstance(decoded, (int, float, str)) and str(decoded) else None


def _chat_id(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ApiError(400, "Bad Request: chat not found") from None


def _chat_guess(chat_id: int) -> Json:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Someone"}
    return {"id": chat_id, "type": "supergroup", "title": "A group"}


def _visible_text(text: str) -> str:
    """What the reader sees of an HTML message, refused as Telegram refuses bad HTML."""
    plain = _TAGS.sub("", text)
    if "<" in plain or ">" in plain or _ENTITY.search(plain):
        raise ApiError(400, "Bad Request: can't parse entities: unsupported start tag or entity")
    return html.unescape(plain)
