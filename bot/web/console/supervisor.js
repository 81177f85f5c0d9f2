// The Supervisor tab: every agent's presence and load, SLA breaches, and every open
// thread with a Reassign control.
import { byId, element } from "./dom.js";
import { act } from "./feedback.js";
import { breached, customerLabel, isSupervisor, tick } from "./labels.js";
import { allowedActions } from "./permissions.js";
import { refreshAgents } from "./presence.js";
import { refreshQueue } from "./queue.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";
import { targetOptions, transferBody } from "./transfer.js";

const ui = {
  view: byId("supervisor-view"),
  agents: byId("agents-table").querySelector("tbody"),
  breaches: byId("breaches"),
  breachesEmpty: byId("breaches-empty"),
  breachCount: byId("breach-count"),
  threads: byId("supervisor-queue").querySelector("tbody"),
  threadsEmpty: byId("supervisor-queue-empty"),
};
const picked = new Map(); // thread id -> the Reassign choice, kept when the table redraws

function render() {
  if (!isSupervisor() || ui.view.hidden) return;
  const { agents, queue } = store.state;
  ui.agents.replaceChildren(...agents.map(agentRow));
  const late = queue.filter(breached);
  ui.breaches.replaceChildren(...late.map((thread) => {
    const item = element("li", "breach");
    item.dataset.testid = "breach";
    const sla = element("span", "sla");
    sla.dataset.threadId = String(thread.id);
    item.append(openLink(thread), sla);
    return item;
  }));
  ui.breachesEmpty.hidden = late.length > 0;
  ui.breachCount.hidden = late.length === 0;
  ui.breachCount.textContent = String(late.length);
  ui.threads.replaceChildren(...queue.map(threadRow));
  ui.threadsEmpty.hidden = queue.length > 0;
  tick();
}

for (const key of ["agents", "queue", "view"]) store.on(key, render);

function agentRow(agent) {
  const row = element("tr");
  row.dataset.testid = "agent-row";
  row.dataset.login = agent.login ?? "";
  const presence = element("span", `pill pill--${agent.presence}`, agent.presence);
  presence.dataset.testid = "agent-presence";
  const load = element("div", "load");
  const bar = element("div", "load__bar");
  const fill = element("div", "load__fill");
  const ratio = agent.capacity ? agent.active_threads / agent.capacity : 0;
  fill.style.width = `${Math.min(100, Math.round(ratio * 100))}%`;
  if (ratio >= 1) fill.classList.add("load__fill--full");
  bar.append(fill);
  const count = element("span", "", `${agent.active_threads} / ${agent.capacity}`);
  count.dataset.testid = "agent-load";
  load.append(bar, count);
  row.append(cell(agent.display_name), cell(agent.teams.join(", ") || "—"), cell(presence), cell(load));
  return row;
}

function threadRow(thread) {
  const row = element("tr");
  row.dataset.testid = "supervisor-thread";
  row.dataset.threadId = String(thread.id);
  const waited = element("span");
  waited.dataset.since = thread.escalated_at ?? thread.created_at ?? "";
  const sla = element("span", "sla");
  sla.dataset.threadId = String(thread.id);
  const reassign = allowedActions(thread, store.state.me).has("reassign");
  row.append(
    cell(openLink(thread)), cell(waited), cell(sla),
    cell(thread.state === "with_agent" ? thread.agent ?? "someone" : "waiting"),
    cell(thread.escalation.reason || "—"), cell(reassign ? reassignControl(thread) : "—"),
  );
  return row;
}

function cell(content) {
  const td = element("td");
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

function openLink(thread) {
  const link = element("button", "link", `${customerLabel(thread)} (#${thread.id})`);
  link.type = "button";
  link.addEventListener("click", () => store.emit("open-thread", thread.id));
  return link;
}

function reassignControl(thread) {
  const form = element("form", "reassign");
  const select = element("select");
  select.dataset.testid = "reassign-target";
  select.setAttribute("aria-label", `Reassign thread ${thread.id} to`);
  targetOptions(select, { includeMe: true });
  const choice = picked.get(thread.id);
  if (choice && select.querySelector(`option[value="${choice}"]:not(:disabled)`)) select.value = choice;
  select.addEventListener("change", () => picked.set(thread.id, select.value));
  const button = element("button", "button button--small", "Reassign");
  button.type = "submit";
  button.dataset.testid = "reassign-submit";
  form.append(select, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(button, async () => {
      const body = transferBody(select.value, "reassigned by a supervisor");
      await api("POST", `/threads/${thread.id}/transfer`, body);
      picked.delete(thread.id);
      await Promise.all([refreshQueue(), refreshAgents()]);
    });
  });
  return form;
}
