// The composer: a reply to the customer or a private note for colleagues.
//
// The mode follows the open thread: Reply where the agent may reply (a thread of
// their own), else Private note where notes are allowed (a waiting thread), else
// nothing. Only the agent switches a thread to note mode by choice; Enter sends a
// note only then, so a reply never turns into a note unseen. The two modes look
// different: colour, label, placeholder and the button's words.
import { closeCanned, openCannedFor, cannedKeydown } from "./canned.js";
import { byId } from "./dom.js";
import { act } from "./feedback.js";
import { refresh } from "./live.js";
import { allowedActions } from "./permissions.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";
import { reloadThread } from "./thread.js";

const ui = {
  form: byId("composer"),
  input: byId("composer-input"),
  send: byId("composer-send"),
  reply: byId("mode-reply"),
  note: byId("mode-note"),
  label: byId("composer-label"),
  hint: byId("composer-hint"),
  keys: byId("composer-keys"),
  canned: byId("canned-button"),
};
const MAX_INPUT_PX = 200;
const LOOKS = {
  reply: {
    label: "Reply · the customer reads this",
    placeholder: "Write to the customer… (type / for canned answers)",
    button: "Send",
  },
  note: {
    label: "Private note · only colleagues see this, never the customer",
    placeholder: "Write a private note for colleagues (never sent to the customer)…",
    button: "Add note",
  },
};
let chosen = null; // the mode the agent picked on the open thread, or null

/** The mode the open thread is written in: "reply", "note" or null (read only). */
function composerMode() {
  const allowed = allowedActions(store.state.thread, store.state.me);
  if (chosen && allowed.has(chosen)) return chosen;
  if (allowed.has("reply")) return "reply";
  if (allowed.has("note")) return "note";
  return null;
}

function hintFor(thread, mode, allowed) {
  if (!thread) return "";
  if (mode === "note" && !allowed.has("reply")) {
    return chosen === "note" ? "Claim the thread to reply to the customer."
      : "You can't reply here: claim the thread first. Notes go with the Add note button.";
  }
  if (mode) return "";
  if (thread.state === "gone") return "This thread is no longer yours.";
  if (thread.state === "resolved") return "This thread is resolved.";
  if (thread.state === "bot") return "The bot is answering this thread. Claim it to take over.";
  return `${thread.agent ?? "Another agent"} is answering this thread.`;
}

/** Show the mode: radios, colour, label, placeholder, button; the hint under them. */
function render() {
  const thread = store.state.thread;
  const allowed = allowedActions(thread, store.state.me);
  const mode = composerMode();
  ui.reply.disabled = !allowed.has("reply");
  ui.note.disabled = !allowed.has("note");
  ui.reply.checked = mode === "reply";
  ui.note.checked = mode === "note";
  ui.form.dataset.mode = mode ?? "none";
  ui.form.classList.toggle("composer--note", mode === "note");
  const looks = LOOKS[mode ?? "reply"];
  ui.label.textContent = mode ? looks.label : "Read only";
  ui.input.placeholder = mode ? looks.placeholder : "";
  ui.send.textContent = looks.button;
  ui.input.disabled = mode === null;
  ui.send.disabled = mode === null;
  ui.canned.disabled = mode !== "reply";
  ui.hint.textContent = hintFor(thread, mode, allowed);
  ui.keys.textContent = mode === "note" && chosen !== "note"
    ? "Add note sends · Shift+Enter new line · Esc closes"
    : "Enter sends · Shift+Enter new line · / canned answers · Esc closes";
  if (mode !== "reply") closeCanned();
}

store.on("thread", render);
store.on("me", render);

let writingTo = null; // the thread the composer's text and choice belong to

store.on("openId", (openId) => {
  if (openId === writingTo) return; // the same thread again: keep the draft
  writingTo = openId;
  chosen = null;
  ui.input.value = "";
  fitInput();
  closeCanned();
});

store.on("claimed", () => {
  chosen = null;
  render();
  ui.input.focus();
});

for (const [radio, mode] of [[ui.reply, "reply"], [ui.note, "note"]]) {
  const choose = () => {
    if (radio.disabled) return;
    chosen = mode;
    render();
  };
  radio.addEventListener("click", choose);
  radio.addEventListener("change", choose);
}

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.input.value.trim();
  const threadId = store.state.openId;
  const mode = composerMode();
  if (!text || threadId === null || mode === null) return;
  const path = mode === "note" ? `/threads/${threadId}/notes` : `/threads/${threadId}/reply`;
  act(ui.send, async () => {
    await api("POST", path, { text });
    if (store.state.openId === threadId) ui.input.value = "";
    fitInput();
    refresh("queue");
    await reloadThread();
    ui.input.focus();
  }, render);
});

ui.input.addEventListener("keydown", (event) => {
  if (cannedKeydown(event)) return;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (ui.send.disabled) return;
  if (composerMode() === "note" && chosen !== "note") {
    // The agent did not pick note: Enter must not send one. Say how instead.
    ui.hint.textContent = "Enter doesn't send a private note you didn't choose: "
      + "press Add note, or pick Private note first.";
    return;
  }
  ui.form.requestSubmit();
});

ui.input.addEventListener("input", () => {
  fitInput();
  const text = ui.input.value;
  if (composerMode() === "reply" && text.startsWith("/")) openCannedFor(text.slice(1));
  else closeCanned();
});

ui.canned.addEventListener("click", () => {
  if (closeCanned()) return;
  if (!ui.input.value.trim()) ui.input.value = "/";
  ui.input.focus();
  const text = ui.input.value;
  openCannedFor(text.startsWith("/") ? text.slice(1) : "");
});

/** Grow the message box with its text, up to a limit. */
function fitInput() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, MAX_INPUT_PX)}px`;
}
