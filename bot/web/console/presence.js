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

// The heartbeat: while the console is open it tells the server so, every few seconds
// (the server says how often); a closed tab stops it, and the agent is made offline.
const FIRST_HEARTBEAT_S = 20;
let beating = false;
let heartbeatTimer = null;

async function beat() {
  let next = FIRST_HEARTBEAT_S;
  try {
    const answer = await api("POST", "/heartbeat");
    next = answer.next_heartbeat_seconds;
    if (answer.presence !== currentPresence()) await refreshAgents();
  } catch (_error) {
    // an unreachable server or an ended session is shown by the banner and sign-in
  }
  if (beating) heartbeatTimer = setTimeout(beat, next * 1000);
}

export function startHeartbeat() {
  stopHeartbeat();
  beating = true;
  beat();
}

export function stopHeartbeat() {
  beating = false;
  clearTimeout(heartbeatTimer);
}
