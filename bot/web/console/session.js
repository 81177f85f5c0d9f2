// Signing in and out, and what the console starts once an agent is in: the queue, the
// agents, the event stream, the clocks. Designers get the Review tab only.
import { syncClock } from "./clock.js";
import { byId } from "./dom.js";
import { showError } from "./feedback.js";
import { tick } from "./labels.js";
import { listen, refresh, stopListening } from "./live.js";
import { hideNotifyButton, updateNotifyButton } from "./notify.js";
import { loadTeams, refreshAgents, startHeartbeat, stopHeartbeat } from "./presence.js";
import { focusTicket, refreshQueue } from "./queue.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";
import { closeThread, openThread, threadFromHash } from "./thread.js";
import { showView } from "./views.js";

const BASE_TITLE = "Fernhill console";
const SAFETY_REFRESH_MS = 60000;
const RETRY_BOOT_MS = 5000;
const ui = {
  signin: byId("signin"),
  form: byId("signin-form"),
  login: byId("signin-login"),
  password: byId("signin-password"),
  submit: byId("signin-submit"),
  error: byId("signin-error"),
  app: byId("app"),
  agentName: byId("agent-name"),
  signout: byId("signout"),
  tabQueue: byId("tab-queue"),
  tabSupervisor: byId("tab-supervisor"),
  tabReview: byId("tab-review"),
  tabReports: byId("tab-reports"),
  presence: byId("presence"),
  snippets: byId("snippets-button"),
};
let timers = [];

function showSignIn(message) {
  ui.app.hidden = true;
  ui.signin.hidden = false;
  ui.error.hidden = !message;
  ui.error.textContent = message || "";
  ui.password.value = "";
  (ui.login.value ? ui.password : ui.login).focus();
  document.title = `Sign in · ${BASE_TITLE}`;
}

function signedOut(message) {
  stop();
  store.set({ me: null });
  store.emit("leave");
  showSignIn(message);
}

store.on("unauthorized", (message) => {
  if (store.state.me) signedOut(message);
});

ui.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const login = ui.login.value.trim();
  const password = ui.password.value;
  if (!login || !password) {
    showSignIn("Enter your login and your password.");
    return;
  }
  ui.submit.disabled = true;
  try {
    await enter(await api("POST", "/session", { login, password }));
  } catch (error) {
    showSignIn(error.message);
  } finally {
    ui.submit.disabled = false;
  }
});

ui.signout.addEventListener("click", async () => {
  try {
    await api("DELETE", "/session");
  } catch (_ignored) {
    // signed out locally all the same
  }
  signedOut("You have signed out.");
});

async function enter(me) {
  store.state.unread.clear();
  store.set({ me, known: null });
  ui.signin.hidden = true;
  ui.app.hidden = false;
  ui.agentName.textContent = `${me.display_name}${me.role !== "agent" ? ` · ${me.role}` : ""}`;
  ui.tabSupervisor.hidden = me.role !== "supervisor";
  ui.tabReview.hidden = me.role === "agent" || me.role === "manager";
  ui.tabReports.hidden = me.role !== "supervisor" && me.role !== "manager";
  // Designers see the review inbox only, managers the reports only: no customers'
  // threads, no presence.
  const apart = me.role === "designer" || me.role === "manager";
  for (const part of [ui.tabQueue, ui.presence, ui.snippets]) part.hidden = apart;
  store.emit("enter", me);
  if (apart) {
    hideNotifyButton();
    showView(me.role === "designer" ? "review" : "reports");
    return;
  }
  showView("queue");
  updateNotifyButton();
  await Promise.all([loadTeams(), refreshAgents(), refreshQueue()]);
  listen();
  startHeartbeat();
  timers.push(setInterval(tick, 1000));
  timers.push(setInterval(() => refresh("queue"), SAFETY_REFRESH_MS));
  const wanted = threadFromHash();
  if (wanted) openThread(wanted, { focus: false });
  else focusTicket();
}

function stop() {
  stopListening();
  stopHeartbeat();
  for (const timer of timers) clearInterval(timer);
  timers = [];
  closeThread({ keepHash: true });
}

/** Enter if the session cookie is still good, else show the sign-in form. */
export async function boot() {
  await syncClock();
  try {
    await enter(await api("GET", "/me"));
  } catch (error) {
    if (error.status === 0) {
      showSignIn("Can't reach the server. Retrying…");
      setTimeout(boot, RETRY_BOOT_MS);
      return;
    }
    if (!store.state.me) showSignIn(error.status === 401 ? undefined : error.message);
    else showError(error);
  }
}
