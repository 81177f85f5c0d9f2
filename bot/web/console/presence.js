// The agent's presence (online, away, offline), and the agents and teams the console
// knows (for names, transfers and the supervisor's view).
import { byId } from "./dom.js";
import { clearError, showError } from "./feedback.js";
import { onRefresh } from "./live.js";
import { refreshQueue } from "./queue.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";

const fieldset = byId("presence");

/** Fetch the agents with their presence and load. */
export async function refreshAgents() {
  store.set({ agents: await api("GET", "/agents") });
}

onRefresh("agents", refreshAgents);

export async function loadTeams() {
  store.set({ teams: await api("GET", "/teams") });
}

function currentPresence() {
  return store.state.agents.find((a) => a.id === store.state.me?.id)?.presence ?? "offline";
}

function showPresence(value) {
  const input = fieldset.querySelector(`input[value="${value}"]`);
  if (input) input.checked = true;
}

store.on("agents", () => showPresence(currentPresence()));

fieldset.addEventListener("change", async (event) => {
  const value = event.target.value;
  const before = currentPresence();
  try {
    clearError();
    await api("POST", "/presence", { presence: value });
    await Promise.all([refreshAgents(), refreshQueue()]);
  } catch (error) {
    showError(error);
    showPresence(before);
  }
});
