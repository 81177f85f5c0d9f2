// The open thread's transcript: messages, private notes, notices to the customer and the
// thread's moves, in time order, each with its time.
import { byId, element, moment, timeElement } from "./dom.js";
import { agentName } from "./labels.js";

const list = byId("transcript");
const NEAR_END_PX = 80;

/** Draw the thread's messages and events; stay at the end if the agent was there. */
export function renderTranscript(thread) {
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_END_PX;
  const at = (iso) => moment(iso)?.getTime() ?? 0;
  const entries = [
    ...thread.messages.map((m) => ({ at: at(m.created_at), order: 1, node: () => messageItem(m) })),
    ...thread.events.map((e) => ({ at: at(e.created_at), order: 0, node: () => eventItem(e) })),
  ].sort((a, b) => a.at - b.at || a.order - b.order);
  list.replaceChildren(...entries.map((entry) => entry.node()));
  if (atEnd || list.dataset.threadId !== String(thread.id)) list.scrollTop = list.scrollHeight;
  list.dataset.threadId = String(thread.id);
}

function messageItem(message) {
  const item = element("li", `message message--${message.author}`);
  item.dataset.testid = "message";
  item.dataset.author = message.author;
  item.dataset.id = String(message.id);
  const who = {
    customer: "Customer",
    bot: "Bot",
    agent: message.agent_name || message.agent || "Agent",
    note: `Private note · ${message.agent || "agent"}`,
  }[message.author];
  if (who) item.append(element("div", "message__who", who));
  const bubble = element("div", "message__bubble");
  const time = timeElement(message.created_at, "message__time");
  time.dataset.testid = "message-time";
  bubble.append(element("p", "message__text", message.text ?? ""), time);
  item.append(bubble);
  return item;
}

const EVENT_TEXTS = {
  escalate: (who, reason) => `Escalated by ${who}${reason}`,
  assign: (who) => `Assigned by ${who}`,
  claim: (who) => `Claimed by ${who}`,
  transfer_to_agent: (who, reason) => `Transferred by ${who}${reason}`,
  transfer_to_queue: (who, reason) => `Sent back to the queue by ${who}${reason}`,
  requeue: (_who, reason) => `Back in the queue${reason}`,
  hand_back: (who) => `Handed back to the bot by ${who}`,
  resolve: (who) => `Resolved by ${who}`,
};

function eventItem(event) {
  const item = element("li", "event-line");
  item.dataset.testid = "event-line";
  item.dataset.event = event.event;
  const who = agentName(event.actor);
  const reason = event.reason ? `: ${event.reason}` : "";
  const text = EVENT_TEXTS[event.event]?.(who, reason) ?? `${event.event} by ${who}`;
  const time = timeElement(event.created_at);
  time.dataset.testid = "event-time";
  item.append(element("span", "", text), time);
  return item;
}
