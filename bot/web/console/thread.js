// The open thread: its header, details and earlier threads; opening, reloading and
// closing it (the address keeps #thread-N, so back and forward work).
import { customerFacts, languageChip } from "./customer.js";
import { byId, clock, dateAndTime, element, sentence } from "./dom.js";
import { showError } from "./feedback.js";
import { channelName, customerLabel, nameOfId, stateLabel, STATES, tick } from "./labels.js";
import { onRefresh } from "./live.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";
import { renderTranscript } from "./transcript.js";
import { showView } from "./views.js";

const ui = {
  workspace: byId("queue-view"),
  placeholder: byId("thread-placeholder"),
  open: document.querySelector(".thread__open"),
  view: byId("thread-view"),
  notice: byId("thread-notice"),
  back: byId("thread-back"),
  title: byId("thread-title"),
  meta: byId("thread-meta"),
  detailsToggle: byId("details-toggle"),
  reason: byId("thread-reason"),
  facts: byId("thread-facts"),
  customer: byId("customer-facts"),
  history: byId("history"),
  historyEmpty: byId("history-empty"),
};
let loadSeq = 0;

/** The thread named in the address (#thread-12), or null. */
export function threadFromHash() {
  const match = /^#thread-(\d+)$/.exec(location.hash);
  return match ? Number(match[1]) : null;
}

/** Show a thread; `focus` moves the keyboard focus to its title. */
export async function openThread(threadId, { focus = true } = {}) {
  if (store.state.openId !== threadId) store.set({ thread: null, takenBy: null });
  store.set({ openId: threadId });
  if (location.hash !== `#thread-${threadId}`) history.pushState(null, "", `#thread-${threadId}`);
  ui.workspace.classList.add("workspace--thread");
  ui.placeholder.hidden = true;
  ui.open.hidden = false;
  showView("queue");
  await reloadThread().catch(showError);
  if (focus) ui.title.focus();
}

export function closeThread({ keepHash = false } = {}) {
  store.set({ openId: null, thread: null, takenBy: null });
  ui.workspace.classList.remove("workspace--thread");
  ui.placeholder.hidden = false;
  ui.open.hidden = true;
  if (!keepHash && location.hash) history.pushState(null, "", location.pathname);
}

/** Fetch the open thread and its customer's history again. */
export async function reloadThread() {
  const threadId = store.state.openId;
  if (threadId === null) return;
  const seq = ++loadSeq;
  const current = () => seq === loadSeq && threadId === store.state.openId;
  let thread;
  let past;
  try {
    [thread, past] = await Promise.all([
      api("GET", `/threads/${threadId}`),
      api("GET", `/threads/${threadId}/history`),
    ]);
  } catch (error) {
    if (!current()) return;
    if (error.status === 403 || error.status === 404) {
      lostThread(error);
      return;
    }
    throw error;
  }
  if (!current()) return;
  store.set({ handedBack: false });
  showWhoHolds(thread);
  store.set({ thread });
  renderThread(thread, past);
}

/** A colleague's thread can be read, not acted on: the notice says whose it is. */
function showWhoHolds(thread) {
  const me = store.state.me;
  const othersThread = thread.agent_id !== null && thread.agent_id !== me?.id;
  const readOnly = (thread.allowed_actions || []).length === 0;
  ui.notice.hidden = !(othersThread && readOnly && thread.agent);
  if (!ui.notice.hidden) {
    ui.notice.textContent = `This thread is now with ${thread.agent}. You can no longer act on it.`;
  }
}

onRefresh("thread", reloadThread);

store.on("taken", (agentId) => store.set({ takenBy: nameOfId(agentId) }));

/** The open thread went to someone else (or away): keep the transcript, stop acting on it. */
function lostThread(error) {
  const { takenBy, handedBack, thread, openId } = store.state;
  if (takenBy) {
    ui.notice.textContent = `This thread is now with ${takenBy}. You can no longer act on it.`;
  } else if (handedBack) {
    ui.notice.textContent = "You handed this thread back to the bot: it leaves your view.";
  } else {
    ui.notice.textContent = `${error.message}.`.replace(/\.\.$/, ".");
  }
  ui.notice.hidden = false;
  if (!thread) ui.title.textContent = `Thread ${openId}`;
  store.set({ thread: thread ? { ...thread, state: "gone" } : null });
}

function renderThread(thread, past) {
  ui.title.textContent = customerLabel(thread);
  const statePill = element("span", "chip", stateLabel(thread));
  statePill.dataset.testid = "thread-state";
  statePill.dataset.state = thread.state;
  const meta = [statePill, element("span", "", channelName(thread.channel)), languageChip(thread)];
  if (thread.team) meta.push(element("span", "", `team ${thread.team}`));
  const sla = element("span", "sla");
  sla.dataset.threadId = String(thread.id);
  meta.push(sla);
  ui.meta.replaceChildren(...meta);

  const score = thread.escalation.score;
  const percent = typeof score === "number" ? ` (score ${Math.round(score * 100)}%)` : "";
  ui.reason.textContent = thread.escalation.reason
    ? `${sentence(thread.escalation.reason)}${percent}` : "Not escalated";
  const facts = [
    ["Thread", `#${thread.id}`],
    ["Escalated", dateAndTime(thread.escalated_at) || "—"],
    ["First answer", thread.first_response_at ? clock(thread.first_response_at) : "not yet"],
    ["Topic", thread.topic || "—"],
    ["Public", thread.public ? "yes: answer with care" : "no"],
  ];
  if (thread.rating) facts.push(["Rating", `${"★".repeat(thread.rating)} (${thread.rating}/5)`]);
  ui.facts.replaceChildren(...facts.flatMap(([term, value]) => [
    element("dt", "", term), element("dd", "", value),
  ]));
  ui.customer.replaceChildren(...customerFacts(thread).flatMap(([term, value]) => {
    const definition = element("dd");
    definition.append(value);
    return [element("dt", "", term), definition];
  }));

  renderTranscript(thread);
  renderHistory(past.threads);
  tick();
}

function renderHistory(threads) {
  ui.history.replaceChildren(...threads.map((earlier) => {
    const item = element("li");
    const button = element("a", "history__item"); // a link: it opens in a new tab too
    button.href = `#thread-${earlier.id}`;
    button.dataset.testid = "history-item";
    button.dataset.threadId = String(earlier.id);
    const rating = earlier.rating ? ` · ${"★".repeat(earlier.rating)}` : "";
    const state = STATES[earlier.state] ?? earlier.state;
    button.append(
      element("span", "history__when", `${dateAndTime(earlier.created_at)} · ${state}${rating}`),
      element("span", "history__preview", earlier.preview ? `“${earlier.preview}”` : "(no message)"),
    );
    if (earlier.escalation_reason) button.append(element("span", "chip", earlier.escalation_reason));
    button.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      openThread(earlier.id);
    });
    item.append(button);
    return item;
  }));
  ui.historyEmpty.hidden = threads.length > 0;
}

store.on("open-thread", (threadId) => openThread(threadId));

ui.back.addEventListener("click", () => {
  const threadId = store.state.openId;
  closeThread();
  store.emit("focus-ticket", threadId);
});

ui.detailsToggle.addEventListener("click", () => {
  const shown = ui.view.classList.toggle("thread--details");
  ui.detailsToggle.setAttribute("aria-expanded", String(shown));
});

window.addEventListener("popstate", () => {
  if (!store.state.me) return;
  const wanted = threadFromHash();
  if (wanted === null) closeThread({ keepHash: true });
  else if (wanted !== store.state.openId) openThread(wanted);
});
