// The Fernhill web chat: one conversation per browser, kept by a random chat id.
//
// The transcript of the open thread is loaded first, then an event stream brings
// whatever is pushed later (an agent's replies, notices). Every message is shown once,
// by id, however many ways it arrives (the POST response, the stream, a reload), and
// acknowledged once shown: the server keeps offering it until then.
"use strict";

(() => {
  const API = "/chat/api";
  const say = FernhillText.say; // the page's words, in the conversation's language
  const STORAGE_KEY = "fernhill.chat.id";
  const CHAT_ID = /^[A-Za-z0-9_-]{16,64}$/;
  const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const SHOWN_AUTHORS = new Set(["customer", "bot", "agent", "system"]);
  const RECONNECT_MIN_MS = 1000;
  const RECONNECT_MAX_MS = 15000;

  const log = document.querySelector("[data-testid=chat-log]");
  const form = document.querySelector("[data-testid=chat-form]");
  const input = document.querySelector("[data-testid=chat-input]");
  const sendButton = document.querySelector("[data-testid=chat-send]");
  const typing = document.querySelector("[data-testid=chat-typing]");
  const errorBox = document.querySelector("[data-testid=chat-error]");
  const status = document.querySelector("[data-testid=chat-status]");
  const scroller = document.querySelector(".chat__body");

  const chatId = loadChatId();
  const shown = new Set(); // ids of the messages on the page
  let lastId = 0; // the highest message id seen: where the event stream resumes
  let waitingForReplies = 0;
  let events = null;
  let reconnectDelay = RECONNECT_MIN_MS;
  const toAcknowledge = new Set(); // ids shown but not yet acknowledged to the server
  let acknowledging = false;

  /** A random id of `length` url-safe characters (64 symbols: no modulo bias). */
  function randomId(length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    return Array.from(bytes, (byte) => URL_SAFE[byte & 63]).join("");
  }

  /** This browser's chat id: the key to the conversation, so long and unguessable. */
  function loadChatId() {
    try {
      const saved = localStorage.getItem(STORAGE_KEY);
      if (saved && CHAT_ID.test(saved)) return saved;
      const fresh = randomId(32);
      localStorage.setItem(STORAGE_KEY, fresh);
      return fresh;
    } catch (_blocked) {
      return randomId(32); // storage disabled: the chat lasts as long as the page
    }
  }

  function apiUrl(path, params) {
    const query = new URLSearchParams({ chat_id: chatId, ...params });
    return `${API}/${path}?${query}`;
  }

  // Rendering

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function timeOf(createdAt) {
    if (typeof createdAt !== "string") return null;
    const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(createdAt) ? createdAt : `${createdAt}Z`;
    const moment = new Date(zoned);
    if (Number.isNaN(moment.getTime())) return null;
    const time = element("time", "message__time", moment.toLocaleTimeString([], {
      hour: "2-digit", minute: "2-digit",
    }));
    time.dateTime = moment.toISOString();
    return time;
  }

  function whoWrote(message) {
    if (message.author === "agent") {
      return message.agent_name ? say("agentNamed", { name: message.agent_name }) : say("agent");
    }
    if (message.author === "bot") return say("bot");
    return null;
  }

  function buttonsFor(message) {
    if (!Array.isArray(message.buttons) || message.buttons.length === 0) return null;
    const group = element("div", "message__buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", say("suggested"));
    for (const choice of message.buttons) {
      if (!choice || typeof choice.title !== "string") continue;
      const payload = typeof choice.payload === "string" && choice.payload ? choice.payload : choice.title;
      const button = element("button", "message__button", choice.title);
      button.type = "button";
      button.dataset.testid = "message-button";
      button.addEventListener("click", () => {
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        button.classList.add("message__button--chosen");
        send(payload, choice.title);
      });
      group.append(button);
    }
    return group;
  }

  /** A message element; `message.id` may be missing while a customer's message is sending. */
  function messageElement(message) {
    const item = element("li", `message message--${message.author}`);
    item.dataset.testid = "message";
    item.dataset.author = message.author;
    if (message.id !== undefined) item.dataset.id = String(message.id);
    const who = whoWrote(message);
    if (who) {
      item.dataset.who = who;
      item.append(element("div", "message__who", who));
    }
    const bubble = element("div", "message__bubble");
    bubble.append(element("p", "message__text", message.text ?? ""));
    const time = timeOf(message.created_at);
    if (time) bubble.append(time);
    item.append(bubble);
    const buttons = buttonsFor(message);
    if (buttons) item.append(buttons);
    return item;
  }

  /** Whether `item` follows a message by the same person (its name is then not repeated). */
  function markContinuation(item) {
    const previous = item.previousElementSibling;
    const same = previous && previous.dataset.author === item.dataset.author
      && previous.dataset.who === item.dataset.who;
    item.classList.toggle("message--continued", Boolean(same));
    const next = item.nextElementSibling;
    if (next) {
      const nextSame = next.dataset.author === item.dataset.author && next.dataset.who === item.dataset.who;
      next.classList.toggle("message--continued", nextSame);
    }
  }

  /** Put an element in id order; messages still sending stay last. */
  function place(item, id) {
    const later = Array.from(log.children).find(
      (other) => other.dataset.id !== undefined && Number(other.dataset.id) > id,
    );
    log.insertBefore(item, later ?? null);
    markContinuation(item);
  }

  /** The oldest customer bubble still sending with this text, if any. */
  function pendingBubble(text) {
    return Array.from(log.querySelectorAll("[data-sent-text]")).find(
      (item) => item.dataset.sentText === text && item.dataset.id === undefined,
    );
  }

  /** Show a message from the server unless it is on the page already. */
  function show(message) {
    if (!message || !SHOWN_AUTHORS.has(message.author)) return; // never an agent's private note
    const id = Number(message.id);
    if (!Number.isSafeInteger(id) || shown.has(id)) return;
    shown.add(id);
    lastId = Math.max(lastId, id);
    if (message.author !== "customer") acknowledge(id);
    const sending = message.author === "customer" ? pendingBubble(message.text) : undefined;
    if (sending) {
      sending.dataset.id = String(id); // our own message, now stored: it keeps its place
    } else {
      place(messageElement(message), id);
    }
    updateEmptyState();
    scrollToEnd();
  }

  function updateEmptyState() {
    document.body.classList.toggle("chat--empty", log.children.length === 0);
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.textContent = "";
    errorBox.hidden = true;
  }

  function setStatus(state, words) {
    status.dataset.state = state;
    status.dataset.text = words; // shown in the page's language, now and after a switch
    status.textContent = say(words);
  }

  function setTyping(on) {
    typing.hidden = !on;
    if (on) scrollToEnd();
  }

  // Talking to the server

  async function readJson(response) {
    let body = null;
    try {
      body = await response.json();
    } catch (_notJson) {
      body = null;
    }
    if (!response.ok) {
      const reason = body && typeof body.error === "string" ? body.error : response.statusText;
      throw new Error(reason || `the server answered ${response.status}`);
    }
    return body ?? {};
  }

  /** Tell the server the page showed a message (batched; retried on the next one). */
  function acknowledge(id) {
    toAcknowledge.add(id);
    if (!acknowledging) setTimeout(sendAcknowledgements, 0);
  }

  async function sendAcknowledgements() {
    if (acknowledging || toAcknowledge.size === 0) return;
    acknowledging = true;
    const ids = Array.from(toAcknowledge).slice(0, 500);
    try {
      await readJson(await fetch(`${API}/acks`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ chat_id: chatId, ids }),
      }));
      for (const id of ids) toAcknowledge.delete(id);
    } catch (_unreachable) {
      // kept: sent again with the next message shown or when the stream reconnects
    } finally {
      acknowledging = false;
    }
  }

  async function fetchSince(after) {
    const body = await readJson(await fetch(apiUrl("messages", { after: String(after) })));
    FernhillText.use(body.language);
    for (const message of body.messages ?? []) show(message);
    offerContactForm(body);
  }

  /** While people own the thread, the answers carry `contact_form`: contact.js shows it. */
  function offerContactForm(body) {
    if (!("contact_form" in body)) return;
    const detail = { chatId, form: body.contact_form };
    document.dispatchEvent(new CustomEvent("chat:contact-form", { detail }));
  }

  async function send(text, label = text) {
    if (!text.trim()) return;
    clearError();
    const before = lastId;
    const bubble = messageElement({
      author: "customer", text: label, created_at: new Date().toISOString(),
    });
    bubble.classList.add("message--pending");
    bubble.dataset.sentText = text;
    place(bubble, Infinity);
    updateEmptyState();
    scrollToEnd();
    waitingForReplies += 1;
    setTyping(true);
    try {
      const response = await fetch(`${API}/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ chat_id: chatId, text, message_id: randomId(24) }),
      });
      const body = await readJson(response);
      bubble.classList.remove("message--pending");
      FernhillText.use(body.language);
      for (const reply of body.replies ?? []) show(reply);
      offerContactForm(body);
      await fetchSince(before).catch(() => {}); // learn our message's id; fill any gap
    } catch (error) {
      bubble.classList.remove("message--pending");
      bubble.classList.add("message--failed");
      delete bubble.dataset.sentText;
      bubble.append(element("div", "message__failed", say("notSent")));
      showError(error instanceof TypeError
        ? say("unreachable") : say("notSentBecause", { reason: error.message }));
      scrollToEnd();
    } finally {
      waitingForReplies -= 1;
      setTyping(waitingForReplies > 0);
    }
  }

  function listen() {
    events = new EventSource(apiUrl("events", { after: String(lastId) }));
    events.addEventListener("open", () => {
      reconnectDelay = RECONNECT_MIN_MS;
      setStatus("online", "online");
      sendAcknowledgements();
    });
    events.addEventListener("message", (event) => {
      try {
        show(JSON.parse(event.data));
      } catch (_malformed) {
        // a broken event is skipped; the transcript has the message on the next load
      }
    });
    events.addEventListener("error", () => {
      // Reconnect ourselves, so the stream resumes after the last message we have.
      events.close();
      setStatus("offline", "reconnecting");
      setTimeout(listen, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    });
  }

  // The composer

  function updateSendButton() {
    sendButton.disabled = input.value.trim() === "";
  }

  function fitInput() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    updateSendButton();
    fitInput();
    send(text);
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!sendButton.disabled) form.requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    updateSendButton();
    fitInput();
  });

  async function start() {
    updateEmptyState();
    updateSendButton();
    try {
      await fetchSince(0);
    } catch (error) {
      showError(`Couldn't load the conversation: ${error.message}`);
    }
    listen();
    input.focus();
  }

  start();
})();
