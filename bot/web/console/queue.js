// The queue panel: waiting threads, the agent's own, and colleagues'; unread marks,
// the tab's count and notifications for new escalations.
import { customerChips, languageChip } from "./customer.js";
import { byId, element } from "./dom.js";
import { breached, channelName, customerLabel, isMine, tick } from "./labels.js";
import { onRefresh } from "./live.js";
import { notify } from "./notify.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";

const BASE_TITLE = "Fernhill console";
const ui = {
  list: byId("queue"),
  empty: byId("queue-empty"),
  counts: byId("queue-counts"),
  unread: byId("unread-count"),
};

/** Fetch the queue; tell about threads that are new or newly ours. */
export async function refreshQueue() {
  const queue = await api("GET", "/queue");
  const { known, unread } = store.state;
  const now = new Map(queue.map((t) => [t.id, isMine(t)]));
  if (known !== null) {
    for (const thread of queue) {
      const isNew = !known.has(thread.id) && thread.state === "queued";
      const newlyMine = isMine(thread) && known.get(thread.id) !== true;
      if (!isNew && !newlyMine) continue;
      unread.add(thread.id);
      const title = newlyMine ? "A thread was assigned to you" : "New escalation";
      notify(title, `${customerLabel(thread)}: ${thread.escalation.reason ?? ""}`, thread.id);
    }
  }
  for (const id of [...unread]) if (!now.has(id)) unread.delete(id);
  store.set({ known: now, queue });
}

onRefresh("queue", refreshQueue);

function render() {
  const { queue } = store.state;
  const focusedId = document.activeElement?.dataset?.threadId;
  const waiting = queue.filter((t) => t.state === "queued");
  const mine = queue.filter((t) => isMine(t));
  const others = queue.filter((t) => t.state === "with_agent" && !isMine(t));
  const items = [];
  const section = (title, threads) => {
    if (!threads.length) return;
    items.push(element("li", "queue__section", `${title} · ${threads.length}`));
    for (const thread of threads) items.push(ticket(thread));
  };
  section("Waiting", waiting);
  section("Yours", mine);
  section("With colleagues", others);
  ui.list.replaceChildren(...items);
  ui.empty.hidden = queue.length > 0;
  ui.counts.textContent = `${waiting.length} waiting · ${mine.length} yours`;
  if (focusedId) itemOf(focusedId)?.focus();
  renderUnread();
  tick();
}

store.on("queue", render);

function itemOf(threadId) {
  return ui.list.querySelector(`[data-testid=queue-item][data-thread-id="${threadId}"]`);
}

/** Focus the ticket of a thread (after going back from it), or the first one. */
export function focusTicket(threadId) {
  (threadId === undefined ? ui.list.querySelector("button") : itemOf(threadId))?.focus();
}

store.on("focus-ticket", focusTicket);

function ticket(thread) {
  const item = element("li");
  const button = element("button", "ticket");
  button.type = "button";
  button.dataset.testid = "queue-item";
  button.dataset.threadId = String(thread.id);
  button.dataset.chatId = thread.chat_id;
  button.dataset.state = thread.state;
  button.classList.add(isMine(thread) ? "ticket--mine" : `ticket--${thread.state}`);
  if (breached(thread)) button.classList.add("ticket--breached");
  if (thread.id === store.state.openId) button.setAttribute("aria-current", "true");

  const top = element("span", "ticket__top");
  const dot = element("span", "ticket__unread");
  dot.setAttribute("aria-label", "unread");
  top.append(element("span", "ticket__who", customerLabel(thread)), dot);

  const times = element("span", "ticket__times");
  const waited = element("span", "ticket__waited");
  waited.dataset.testid = "waiting";
  waited.dataset.since = thread.escalated_at ?? thread.created_at ?? "";
  waited.dataset.label = thread.state === "queued" ? "Waiting" : "Open";
  const sla = element("span", "sla");
  sla.dataset.testid = "sla";
  sla.dataset.threadId = String(thread.id);
  times.append(waited, sla);

  const reason = element("span", "ticket__reason", thread.escalation.reason || "asked for a person");
  reason.dataset.testid = "reasons";

  const chips = element("span", "ticket__chips");
  const channel = element("span", "chip", channelName(thread.channel));
  channel.dataset.testid = "channel";
  chips.append(channel, languageChip(thread), ...customerChips(thread));
  if (thread.team) chips.append(element("span", "chip", thread.team));
  if (thread.state === "with_agent" && !isMine(thread)) {
    chips.append(element("span", "chip", `with ${thread.agent ?? "someone"}`));
  }
  button.append(top, times, reason, chips);
  button.addEventListener("click", () => store.emit("open-thread", thread.id));
  item.append(button);
  return item;
}

// Unread

function renderUnread() {
  const count = store.state.unread.size;
  ui.unread.hidden = count === 0;
  ui.unread.textContent = String(count);
  document.title = count ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
  for (const button of ui.list.querySelectorAll("[data-testid=queue-item]")) {
    const unread = store.state.unread.has(Number(button.dataset.threadId));
    button.querySelector(".ticket__unread").hidden = !unread;
    button.dataset.unread = String(unread);
  }
}

store.on("mark-unread", (threadId) => {
  if (threadId === undefined || threadId === null) return;
  store.state.unread.add(threadId);
  renderUnread();
});

store.on("openId", (openId) => {
  if (openId !== null) store.state.unread.delete(openId);
  renderUnread();
  for (const button of ui.list.querySelectorAll("[data-testid=queue-item]")) {
    if (openId !== null && Number(button.dataset.threadId) === openId) {
      button.setAttribute("aria-current", "true");
    } else {
      button.removeAttribute("aria-current");
    }
  }
});
