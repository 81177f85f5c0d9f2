// Transfers: the Transfer menu of the open thread, and the choice of agents and teams
// that the supervisor's Reassign uses too.
import { byId, element } from "./dom.js";
import { act } from "./feedback.js";
import { isSupervisor } from "./labels.js";
import { refresh } from "./live.js";
import { refreshAgents } from "./presence.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";
import { closeThread, reloadThread } from "./thread.js";

const ui = {
  button: byId("transfer"),
  menu: byId("transfer-menu"),
  target: byId("transfer-target"),
  reason: byId("transfer-reason"),
};

/** Fill `select` with the agents (offline ones disabled) and the teams. */
export function targetOptions(select, { includeMe = false } = {}) {
  const { agents, teams, me } = store.state;
  const people = element("optgroup");
  people.label = "Agents";
  for (const agent of agents) {
    if (!includeMe && agent.id === me.id) continue;
    const option = element("option", "",
      `${agent.display_name} — ${agent.presence}, ${agent.active_threads}/${agent.capacity}`);
    option.value = `agent:${agent.login}`;
    option.disabled = agent.presence === "offline";
    people.append(option);
  }
  const queues = element("optgroup");
  queues.label = "Teams (back to their queue)";
  for (const team of teams) {
    const option = element("option", "", team.name);
    option.value = `team:${team.id}`;
    queues.append(option);
  }
  select.replaceChildren(people, queues);
  const first = select.querySelector("option:not(:disabled)");
  if (first) first.selected = true;
}

/** The body of POST /threads/N/transfer for a choice "agent:ana" or "team:care". */
export function transferBody(choice, reason) {
  const colon = choice.indexOf(":");
  const [kind, value] = [choice.slice(0, colon), choice.slice(colon + 1)];
  const body = kind === "team" ? { team: value } : { agent: value };
  if (reason) body.reason = reason;
  return body;
}

async function openMenu() {
  await refreshAgents().catch(() => {}); // presence and load as they are now
  targetOptions(ui.target);
  ui.reason.value = "";
  ui.menu.hidden = false;
  ui.button.setAttribute("aria-expanded", "true");
  ui.target.focus();
}

/** Close the menu; true if it was open. */
export function closeTransfer() {
  if (ui.menu.hidden) return false;
  ui.menu.hidden = true;
  ui.button.setAttribute("aria-expanded", "false");
  return true;
}

ui.button.addEventListener("click", () => {
  if (ui.menu.hidden) openMenu();
  else closeTransfer();
});

ui.menu.addEventListener("submit", (event) => {
  event.preventDefault();
  const choice = ui.target.value;
  if (!choice) return;
  const threadId = store.state.openId;
  act(ui.menu.querySelector("[type=submit]"), async () => {
    await api("POST", `/threads/${threadId}/transfer`, transferBody(choice, ui.reason.value.trim()));
    closeTransfer();
    refresh("queue");
    if (choice.startsWith("agent:") && !isSupervisor()) closeThread(); // no longer ours to see
    else await reloadThread();
  });
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  if (closeTransfer()) {
    event.preventDefault();
    ui.button.focus();
  }
});

document.addEventListener("click", (event) => {
  if (!event.target.closest(".menu-anchor")) closeTransfer();
});

store.on("openId", () => closeTransfer());
