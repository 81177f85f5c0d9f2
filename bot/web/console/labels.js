// How threads read in the console: the customer's label, the state, the SLA countdown.
import { serverNow } from "./clock.js";
import { duration, moment } from "./dom.js";
import { store } from "./store.js";

export const CHANNELS = { webchat: "Web chat", rest: "REST", telegram: "Telegram" };
export const STATES = {
  queued: "Waiting", with_agent: "With an agent", bot: "With the bot", resolved: "Resolved",
};
const SLA_SOON_MS = 60000;

export function channelName(channel) {
  return CHANNELS[channel] ?? channel;
}

/**
 * Who the customer is, in a few words: the channel's name for them (or the one they
 * typed), their handle, what they left to be reached at, else the channel and its id
 * (a REST sender's id whole, a web chat's random id only as a short "visitor" tag).
 */
export function customerLabel(thread) {
  const customer = thread.customer ?? {};
  const known = customer.name || (customer.username && `@${customer.username}`)
    || customer.email || customer.telegram;
  if (known) return known;
  const id = String(thread.chat_id);
  if (thread.channel === "webchat") return `Web chat visitor · ${id.slice(0, 6)}`;
  return `${channelName(thread.channel)} · ${id.length > 24 ? `${id.slice(0, 23)}…` : id}`;
}

export function isMine(thread) {
  return thread.state === "with_agent" && thread.agent_id === store.state.me?.id;
}

export function isSupervisor() {
  return store.state.me?.role === "supervisor";
}

export function stateLabel(thread) {
  if (isMine(thread)) return "With you";
  if (thread.state === "with_agent") return `With ${thread.agent ?? "an agent"}`;
  return STATES[thread.state] ?? thread.state;
}

/** "the bot", "routing", or the agent's name, for a login in a thread's events. */
export function agentName(login) {
  if (login === "bot") return "the bot";
  if (login === "system") return "routing";
  const agent = store.state.agents.find((a) => a.login === login);
  return agent ? agent.display_name : login;
}

export function nameOfId(agentId) {
  return store.state.agents.find((a) => a.id === agentId)?.display_name ?? null;
}

/** The first-response SLA: {text, kind} with kind done, ok, soon or breached. */
export function slaStatus(thread, now = serverNow()) {
  if (thread.first_response_at) return { text: "Answered", kind: "done" };
  const due = moment(thread.first_response_due);
  if (!due) return { text: "", kind: "done" };
  const left = due.getTime() - now;
  if (left <= 0 || thread.sla_breached_at) {
    return { text: `SLA breached ${duration(-left)} ago`, kind: "breached" };
  }
  return { text: `SLA ${duration(left)}`, kind: left < SLA_SOON_MS ? "soon" : "ok" };
}

export function breached(thread) {
  return slaStatus(thread).kind === "breached";
}

/** Every second: waiting times ([data-since]) and SLA countdowns (.sla) move on. */
export function tick() {
  const now = serverNow();
  for (const node of document.querySelectorAll("[data-since]")) {
    const since = moment(node.dataset.since);
    const label = node.dataset.label ? `${node.dataset.label} ` : "";
    node.textContent = since ? `${label}${duration(now - since.getTime())}` : "";
  }
  const threads = new Map(store.state.queue.map((t) => [t.id, t]));
  if (store.state.thread) threads.set(store.state.thread.id, store.state.thread);
  for (const node of document.querySelectorAll(".sla[data-thread-id]")) {
    const thread = threads.get(Number(node.dataset.threadId));
    if (!thread) continue;
    const status = slaStatus(thread, now);
    node.textContent = status.text;
    node.className = `sla sla--${status.kind}`;
  }
}
