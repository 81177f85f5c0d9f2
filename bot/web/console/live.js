// Live updates: the server-sent event stream says that something changed; the console
// then fetches it again (debounced), so what it shows is always what the server says.
// The connection banner says when the server cannot be reached.
import { byId } from "./dom.js";
import { showError } from "./feedback.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";

const EVENTS_URL = "/agents/api/events";
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 15000;
const DEBOUNCE_MS = 120;
const EVENT_TYPES = [
  "thread.escalated", "thread.claimed", "thread.assigned", "thread.requeued",
  "thread.transferred", "thread.resolved", "thread.handed_back", "thread.sla_breached",
  "thread.note", "message.customer", "message.agent", "agent.presence", "customer.contact",
];
const TAKEN = new Set(["thread.claimed", "thread.assigned", "thread.transferred"]);

const banner = byId("connection-banner");
const refreshers = new Map(); // kind -> async function
const pending = new Map(); // kind -> timer of a debounced refresh
let source = null;
let down = false;
let delay = RECONNECT_MIN_MS;
let reconnectTimer = null;

/** Register what `refresh(kind)` runs ("queue", "thread", "agents"). */
export function onRefresh(kind, refresher) {
  refreshers.set(kind, refresher);
}

/** Debounced refreshes: a burst of events costs one request of each kind. */
export function refresh(kind) {
  if (pending.has(kind) || !refreshers.has(kind)) return;
  pending.set(kind, setTimeout(async () => {
    pending.delete(kind);
    try {
      await refreshers.get(kind)();
    } catch (error) {
      if (error.status !== 0) showError(error);
    }
  }, DEBOUNCE_MS));
}

function refreshAll() {
  if (!store.state.me) return;
  refresh("queue");
  refresh("agents");
  if (store.state.openId !== null) refresh("thread");
}

function setConnection(ok) {
  if (ok === !down) return;
  down = !ok;
  banner.hidden = ok;
  banner.dataset.state = ok ? "ok" : "down";
  if (!ok) banner.textContent = "Connection to the server lost. Reconnecting…";
}

store.on("offline", () => setConnection(false));
store.on("answered", () => {
  if (source && source.readyState === EventSource.OPEN) setConnection(true);
});

/** Open the event stream (again). */
export function listen() {
  if (source) source.close();
  const opened = new EventSource(EVENTS_URL);
  source = opened;
  opened.addEventListener("open", () => {
    delay = RECONNECT_MIN_MS;
    setConnection(true);
    refreshAll(); // whatever happened while we were not listening
  });
  for (const type of EVENT_TYPES) opened.addEventListener(type, onEvent);
  opened.addEventListener("error", () => {
    if (source !== opened) return;
    setConnection(false);
    if (opened.readyState === EventSource.CLOSED) {
      // Refused (signed out, or the server is restarting): check, then try again.
      opened.close();
      source = null;
      retry();
    }
  });
}

function retry() {
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(reconnect, delay);
  delay = Math.min(delay * 2, RECONNECT_MAX_MS);
}

async function reconnect() {
  if (!store.state.me) return;
  try {
    await api("GET", "/me");
    listen();
  } catch (error) {
    if (error.status !== 401) retry(); // on a 401 the sign-in form is back
  }
}

/** Close the stream and forget pending reconnections. */
export function stopListening() {
  if (source) source.close();
  source = null;
  clearTimeout(reconnectTimer);
  setConnection(true);
}

function onEvent(event) {
  let data;
  try {
    data = JSON.parse(event.data);
  } catch (_malformed) {
    return;
  }
  const { me, openId } = store.state;
  const threadId = data.thread_id;
  if (data.type === "message.customer" && (threadId !== openId || document.hidden)) {
    store.emit("mark-unread", threadId);
  }
  if (TAKEN.has(data.type) && threadId === openId && data.agent_id && data.agent_id !== me.id) {
    store.emit("taken", data.agent_id);
  }
  refresh("queue");
  if (threadId !== undefined && threadId === openId) refresh("thread");
  if (data.type === "agent.presence" || me.role === "supervisor") refresh("agents");
}
