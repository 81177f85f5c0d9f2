// The Fernhill agent console: sign in, watch the queue, take threads over.
//
// Everything goes through the agents' API with the session cookie. The server-sent
// event stream only says that something changed; the console then fetches the queue
// (and the open thread) again, so what it shows is always what the server says.
"use strict";

(() => {
  const API = "/agents/api";
  const BASE_TITLE = "Fernhill console";
  const RECONNECT_MIN_MS = 1000;
  const RECONNECT_MAX_MS = 15000;
  const SAFETY_REFRESH_MS = 60000;
  const SLA_SOON_MS = 60000;
  const EVENT_TYPES = [
    "thread.escalated", "thread.claimed", "thread.assigned", "thread.requeued",
    "thread.transferred", "thread.resolved", "thread.handed_back", "thread.sla_breached",
    "thread.note", "message.customer", "message.agent", "agent.presence",
  ];
  const CHANNELS = { webchat: "Web chat", rest: "REST", telegram: "Telegram" };
  const STATES = {
    queued: "Waiting", with_agent: "With an agent", bot: "With the bot", resolved: "Resolved",
  };

  const byId = (id) => document.querySelector(`[data-testid="${id}"]`);
  const ui = {
    banner: byId("connection-banner"),
    signin: byId("signin"),
    signinForm: byId("signin-form"),
    signinLogin: byId("signin-login"),
    signinPassword: byId("signin-password"),
    signinSubmit: byId("signin-submit"),
    signinError: byId("signin-error"),
    app: byId("app"),
    tabQueue: byId("tab-queue"),
    tabSupervisor: byId("tab-supervisor"),
    tabReview: byId("tab-review"),
    unread: byId("unread-count"),
    presence: byId("presence"),
    notifyButton: byId("notify-button"),
    snippetsButton: byId("snippets-button"),
    agentName: byId("agent-name"),
    signout: byId("signout"),
    toast: byId("console-error"),
    workspace: byId("queue-view"),
    queue: byId("queue"),
    queueEmpty: byId("queue-empty"),
    queueCounts: byId("queue-counts"),
    threadView: byId("thread-view"),
    placeholder: byId("thread-placeholder"),
    threadOpen: document.querySelector(".thread__open"),
    notice: byId("thread-notice"),
    back: byId("thread-back"),
    title: byId("thread-title"),
    meta: byId("thread-meta"),
    claim: byId("claim"),
    transfer: byId("transfer"),
    transferMenu: byId("transfer-menu"),
    transferTarget: byId("transfer-target"),
    transferReason: byId("transfer-reason"),
    handBack: byId("hand-back"),
    resolve: byId("resolve"),
    detailsToggle: byId("details-toggle"),
    transcript: byId("transcript"),
    reason: byId("thread-reason"),
    facts: byId("thread-facts"),
    history: byId("history"),
    historyEmpty: byId("history-empty"),
    composer: byId("composer"),
    input: byId("composer-input"),
    send: byId("composer-send"),
    modeReply: byId("mode-reply"),
    modeNote: byId("mode-note"),
    hint: byId("composer-hint"),
    canned: byId("canned-menu"),
    cannedButton: byId("canned-button"),
    supervisor: byId("supervisor-view"),
    review: byId("review-view"),
    agentsTable: byId("agents-table").querySelector("tbody"),
    breaches: byId("breaches"),
    breachesEmpty: byId("breaches-empty"),
    breachCount: byId("breach-count"),
    supervisorQueue: byId("supervisor-queue").querySelector("tbody"),
    supervisorQueueEmpty: byId("supervisor-queue-empty"),
    snippetsDialog: byId("snippets-dialog"),
    snippetForm: byId("snippet-form"),
    snippets: byId("snippets"),
    snippetTitle: byId("snippet-title"),
    snippetText: byId("snippet-text"),
    snippetError: byId("snippet-error"),
    snippetsClose: byId("snippets-close"),
  };

  const state = {
    me: null,
    agents: [],
    teams: [],
    queue: [],
    known: null, // thread id -> whether it was ours, at the last refresh (null before it)
    unread: new Set(),
    openId: null,
    thread: null,
    takenBy: null, // who took the open thread from under us, from the event stream
    events: null,
    down: false,
    reconnectDelay: RECONNECT_MIN_MS,
    reconnectTimer: null,
    timers: [],
    pending: new Map(), // debounced refreshes
    canned: { items: [], active: -1, seq: 0 },
    threadSeq: 0,
  };

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  // Small helpers

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function sentence(text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  function moment(iso) {
    if (typeof iso !== "string") return null;
    const value = new Date(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(value.getTime()) ? null : value;
  }

  function clock(iso) {
    const value = moment(iso);
    return value ? value.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  }

  function dateAndTime(iso) {
    const value = moment(iso);
    if (!value) return "";
    return value.toLocaleString([], {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
  }

  /** "4:05" under an hour, "1 h 05 min" above. */
  function duration(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    if (hours) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
    return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function agentName(login) {
    if (login === "bot") return "the bot";
    if (login === "system") return "routing";
    const agent = state.agents.find((a) => a.login === login);
    return agent ? agent.display_name : login;
  }

  function nameOfId(agentId) {
    const agent = state.agents.find((a) => a.id === agentId);
    return agent ? agent.display_name : null;
  }

  function customerLabel(thread) {
    const channel = CHANNELS[thread.channel] ?? thread.channel;
    return `${channel} · ${String(thread.chat_id).slice(0, 6)}`;
  }

  function isMine(thread) {
    return thread.state === "with_agent" && thread.agent_id === state.me.id;
  }

  function isSupervisor() {
    return state.me && state.me.role === "supervisor";
  }

  function slaStatus(thread, now = Date.now()) {
    if (thread.first_response_at) return { text: "Answered", kind: "done" };
    const due = moment(thread.first_response_due);
    if (!due) return { text: "", kind: "done" };
    const left = due.getTime() - now;
    if (left <= 0 || thread.sla_breached_at) {
      return { text: `SLA breached ${duration(-left)} ago`, kind: "breached" };
    }
    return { text: `SLA ${duration(left)}`, kind: left < SLA_SOON_MS ? "soon" : "ok" };
  }

  function breached(thread) {
    return slaStatus(thread).kind === "breached";
  }

  // The server

  async function api(method, path, body) {
    const headers = { "X-Requested-With": "fernhill-console" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(API + path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_offline) {
      setConnection(false);
      throw new ApiError("Can't reach the server. The console keeps trying to reconnect.", 0);
    }
    if (state.events && state.events.readyState === EventSource.OPEN) setConnection(true);
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (_notJson) {
        data = null;
      }
    }
    const message = data && typeof data.error === "string"
      ? sentence(data.error) : `The server answered ${response.status}.`;
    if (response.status === 401 && state.me && path !== "/session") {
      signedOut(message);
    }
    if (!response.ok) throw new ApiError(message, response.status);
    return data;
  }

  function setConnection(ok) {
    if (ok === !state.down) return;
    state.down = !ok;
    ui.banner.hidden = ok;
    ui.banner.dataset.state = ok ? "ok" : "down";
    if (!ok) ui.banner.textContent = "Connection to the server lost. Reconnecting…";
  }

  let toastTimer = null;
  function showError(error) {
    ui.toast.textContent = error instanceof Error ? error.message : String(error);
    ui.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 8000);
  }

  function clearError() {
    ui.toast.hidden = true;
  }

  /** Run an agent's action; a failure is shown, never thrown. */
  async function act(button, work) {
    if (button) button.disabled = true;
    try {
      clearError();
      await work();
    } catch (error) {
      if (error.status !== 401) showError(error);
    } finally {
      if (button) button.disabled = false;
      renderActions();
    }
  }

  // Signing in and out

  function showSignIn(message) {
    ui.app.hidden = true;
    ui.signin.hidden = false;
    ui.signinError.hidden = !message;
    ui.signinError.textContent = message || "";
    ui.signinPassword.value = "";
    (ui.signinLogin.value ? ui.signinPassword : ui.signinLogin).focus();
    document.title = `Sign in · ${BASE_TITLE}`;
  }

  function signedOut(message) {
    stop();
    state.me = null;
    document.dispatchEvent(new CustomEvent("console:leave"));
    showSignIn(message);
  }

  // The Review tab (review.js) reports an expired session this way.
  document.addEventListener("console:unauthorized", (event) => {
    if (state.me) signedOut(event.detail);
  });

  ui.signinForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const login = ui.signinLogin.value.trim();
    const password = ui.signinPassword.value;
    if (!login || !password) {
      showSignIn("Enter your login and your password.");
      return;
    }
    ui.signinSubmit.disabled = true;
    try {
      const me = await api("POST", "/session", { login, password });
      await enter(me);
    } catch (error) {
      showSignIn(error.message);
    } finally {
      ui.signinSubmit.disabled = false;
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
    state.me = me;
    state.known = null;
    state.unread.clear();
    ui.signin.hidden = true;
    ui.app.hidden = false;
    ui.agentName.textContent = `${me.display_name}${me.role !== "agent" ? ` · ${me.role}` : ""}`;
    ui.tabSupervisor.hidden = me.role !== "supervisor";
    // Designers see the review inbox only: no customers' threads, no presence.
    const designer = me.role === "designer";
    ui.tabReview.hidden = me.role === "agent";
    for (const part of [ui.tabQueue, ui.presence, ui.snippetsButton]) part.hidden = designer;
    document.dispatchEvent(new CustomEvent("console:enter", { detail: me }));
    if (designer) {
      ui.notifyButton.hidden = true;
      showView("review");
      return;
    }
    showView("queue");
    updateNotifyButton();
    await Promise.all([loadTeams(), refreshAgents(), refreshQueue()]);
    listen();
    state.timers.push(setInterval(tick, 1000));
    state.timers.push(setInterval(() => refresh("queue"), SAFETY_REFRESH_MS));
    const wanted = threadFromHash();
    if (wanted) openThread(wanted, { focus: false });
    else ui.queue.querySelector("button")?.focus();
  }

  function stop() {
    if (state.events) state.events.close();
    state.events = null;
    clearTimeout(state.reconnectTimer);
    for (const timer of state.timers) clearInterval(timer);
    state.timers = [];
    closeThread({ keepHash: true });
    setConnection(true);
  }

  // Live updates

  function listen() {
    if (state.events) state.events.close();
    const source = new EventSource(`${API}/events`);
    state.events = source;
    source.addEventListener("open", () => {
      state.reconnectDelay = RECONNECT_MIN_MS;
      setConnection(true);
      refreshAll(); // whatever happened while we were not listening
    });
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
    source.addEventListener("error", () => {
      if (state.events !== source) return;
      setConnection(false);
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out, or the server is restarting): check, then try again.
        source.close();
        state.events = null;
        clearTimeout(state.reconnectTimer);
        state.reconnectTimer = setTimeout(reconnect, state.reconnectDelay);
        state.reconnectDelay = Math.min(state.reconnectDelay * 2, RECONNECT_MAX_MS);
      }
    });
  }

  async function reconnect() {
    if (!state.me) return;
    try {
      await api("GET", "/me");
      listen();
    } catch (error) {
      if (error.status === 401) return; // signedOut() has shown the sign-in form
      state.reconnectTimer = setTimeout(reconnect, state.reconnectDelay);
      state.reconnectDelay = Math.min(state.reconnectDelay * 2, RECONNECT_MAX_MS);
    }
  }

  function onEvent(event) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch (_malformed) {
      return;
    }
    const threadId = data.thread_id;
    if (data.type === "message.customer" && (threadId !== state.openId || document.hidden)) {
      markUnread(threadId);
    }
    if (data.type === "thread.claimed" || data.type === "thread.assigned"
        || data.type === "thread.transferred") {
      if (threadId === state.openId && data.agent_id && data.agent_id !== state.me.id) {
        state.takenBy = nameOfId(data.agent_id);
      }
    }
    refresh("queue");
    if (threadId !== undefined && threadId === state.openId) refresh("thread");
    if (data.type === "agent.presence" || isSupervisor()) refresh("agents");
  }

  /** Debounced refreshes: a burst of events costs one request of each kind. */
  function refresh(kind) {
    if (state.pending.has(kind)) return;
    state.pending.set(kind, setTimeout(async () => {
      state.pending.delete(kind);
      try {
        if (kind === "queue") await refreshQueue();
        if (kind === "thread") await reloadThread();
        if (kind === "agents") await refreshAgents();
      } catch (error) {
        if (error.status !== 401 && error.status !== 0) showError(error);
      }
    }, 120));
  }

  async function refreshAll() {
    if (!state.me) return;
    refresh("queue");
    refresh("agents");
    if (state.openId !== null) refresh("thread");
  }

  // Unread and notifications

  function markUnread(threadId) {
    if (threadId === undefined || threadId === null) return;
    state.unread.add(threadId);
    renderUnread();
  }

  function renderUnread() {
    const count = state.unread.size;
    ui.unread.hidden = count === 0;
    ui.unread.textContent = String(count);
    document.title = count ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
    for (const ticket of ui.queue.querySelectorAll("[data-testid=queue-item]")) {
      const unread = state.unread.has(Number(ticket.dataset.threadId));
      ticket.querySelector(".ticket__unread").hidden = !unread;
      ticket.dataset.unread = String(unread);
    }
  }

  function notificationsSupported() {
    return "Notification" in window && typeof Notification.requestPermission === "function";
  }

  function updateNotifyButton() {
    ui.notifyButton.hidden = !notificationsSupported() || Notification.permission !== "default";
  }

  ui.notifyButton.addEventListener("click", async () => {
    try {
      await Notification.requestPermission();
    } catch (_unsupported) {
      // old browsers take a callback; nothing to do then
    }
    updateNotifyButton();
  });

  function notify(title, body, threadId) {
    if (!notificationsSupported() || Notification.permission !== "granted") return;
    try {
      const note = new Notification(title, { body, tag: `thread-${threadId}` });
      note.onclick = () => {
        window.focus();
        openThread(threadId);
        note.close();
      };
    } catch (_refused) {
      // e.g. mobile browsers that allow notifications only from a service worker
    }
  }

  // The queue

  async function refreshQueue() {
    const queue = await api("GET", "/queue");
    const known = new Map(queue.map((t) => [t.id, isMine(t)]));
    if (state.known !== null) {
      for (const thread of queue) {
        const isNew = !state.known.has(thread.id) && thread.state === "queued";
        const newlyMine = isMine(thread) && state.known.get(thread.id) !== true;
        if (!isNew && !newlyMine) continue;
        markUnread(thread.id);
        const title = newlyMine ? "A thread was assigned to you" : "New escalation";
        notify(title, `${customerLabel(thread)}: ${thread.escalation.reason ?? ""}`, thread.id);
      }
    }
    for (const id of [...state.unread]) if (!known.has(id)) state.unread.delete(id);
    state.known = known;
    state.queue = queue;
    renderQueue();
    renderSupervisor();
  }

  function renderQueue() {
    const focusedId = document.activeElement?.dataset?.threadId;
    const waiting = state.queue.filter((t) => t.state === "queued");
    const mine = state.queue.filter((t) => isMine(t));
    const others = state.queue.filter((t) => t.state === "with_agent" && !isMine(t));
    const items = [];
    const section = (title, threads) => {
      if (!threads.length) return;
      items.push(element("li", "queue__section", `${title} · ${threads.length}`));
      for (const thread of threads) items.push(ticket(thread));
    };
    section("Waiting", waiting);
    section("Yours", mine);
    section("With colleagues", others);
    ui.queue.replaceChildren(...items);
    ui.queueEmpty.hidden = state.queue.length > 0;
    ui.queueCounts.textContent = `${waiting.length} waiting · ${mine.length} yours`;
    if (focusedId) ui.queue.querySelector(`[data-testid=queue-item][data-thread-id="${focusedId}"]`)?.focus();
    renderUnread();
    tick();
  }

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
    if (thread.id === state.openId) button.setAttribute("aria-current", "true");

    const top = element("span", "ticket__top");
    top.append(element("span", "ticket__who", customerLabel(thread)));
    const dot = element("span", "ticket__unread");
    dot.setAttribute("aria-label", "unread");
    top.append(dot);

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
    const channel = element("span", "chip", CHANNELS[thread.channel] ?? thread.channel);
    channel.dataset.testid = "channel";
    const language = element("span", "chip", (thread.language || "?").toUpperCase());
    language.dataset.testid = "language";
    language.title = thread.language ? `Language: ${thread.language}` : "Language unknown";
    chips.append(channel, language);
    if (thread.team) chips.append(element("span", "chip", thread.team));
    if (thread.state === "with_agent" && !isMine(thread)) {
      chips.append(element("span", "chip", `with ${thread.agent ?? "someone"}`));
    }
    button.append(top, times, reason, chips);
    button.addEventListener("click", () => openThread(thread.id));
    item.append(button);
    return item;
  }

  /** Every second: waiting times and SLA countdowns move on. */
  function tick() {
    const now = Date.now();
    for (const node of document.querySelectorAll("[data-since]")) {
      const since = moment(node.dataset.since);
      const label = node.dataset.label ? `${node.dataset.label} ` : "";
      node.textContent = since ? `${label}${duration(now - since.getTime())}` : "";
    }
    const threads = new Map(state.queue.map((t) => [t.id, t]));
    if (state.thread) threads.set(state.thread.id, state.thread);
    for (const node of document.querySelectorAll(".sla[data-thread-id]")) {
      const thread = threads.get(Number(node.dataset.threadId));
      if (!thread) continue;
      const status = slaStatus(thread, now);
      node.textContent = status.text;
      node.className = `sla sla--${status.kind}`;
    }
  }

  // The open thread

  function threadFromHash() {
    const match = /^#thread-(\d+)$/.exec(location.hash);
    return match ? Number(match[1]) : null;
  }

  async function openThread(threadId, { focus = true } = {}) {
    if (state.openId !== threadId) {
      state.thread = null;
      state.takenBy = null;
      ui.input.value = "";
      closeCanned();
      closeTransfer();
    }
    state.openId = threadId;
    state.unread.delete(threadId);
    renderUnread();
    if (location.hash !== `#thread-${threadId}`) history.pushState(null, "", `#thread-${threadId}`);
    ui.workspace.classList.add("workspace--thread");
    ui.placeholder.hidden = true;
    ui.threadOpen.hidden = false;
    for (const ticketButton of ui.queue.querySelectorAll("[data-testid=queue-item]")) {
      if (Number(ticketButton.dataset.threadId) === threadId) {
        ticketButton.setAttribute("aria-current", "true");
      } else {
        ticketButton.removeAttribute("aria-current");
      }
    }
    showView("queue");
    await reloadThread().catch((error) => showError(error));
    if (focus) ui.title.focus();
  }

  function closeThread({ keepHash = false } = {}) {
    state.openId = null;
    state.thread = null;
    state.takenBy = null;
    ui.workspace.classList.remove("workspace--thread");
    ui.placeholder.hidden = false;
    ui.threadOpen.hidden = true;
    closeCanned();
    closeTransfer();
    if (!keepHash && location.hash) history.pushState(null, "", location.pathname);
    for (const ticketButton of ui.queue.querySelectorAll("[aria-current]")) {
      ticketButton.removeAttribute("aria-current");
    }
  }

  async function reloadThread() {
    const threadId = state.openId;
    if (threadId === null) return;
    const seq = ++state.threadSeq;
    let thread;
    let history;
    try {
      [thread, history] = await Promise.all([
        api("GET", `/threads/${threadId}`),
        api("GET", `/threads/${threadId}/history`),
      ]);
    } catch (error) {
      if (seq !== state.threadSeq || threadId !== state.openId) return;
      if (error.status === 403 || error.status === 404) {
        lostThread(error);
        return;
      }
      throw error;
    }
    if (seq !== state.threadSeq || threadId !== state.openId) return;
    state.thread = thread;
    ui.notice.hidden = true;
    renderThread(thread, history);
  }

  /** The open thread went to someone else (or away): keep the transcript, stop acting on it. */
  function lostThread(error) {
    ui.notice.textContent = state.takenBy
      ? `This thread is now with ${state.takenBy}. You can no longer act on it.`
      : `${error.message}.`.replace(/\.\.$/, ".");
    ui.notice.hidden = false;
    if (state.thread) state.thread = { ...state.thread, state: "gone" };
    else ui.title.textContent = `Thread ${state.openId}`;
    renderActions();
  }

  function renderThread(thread, history) {
    ui.title.textContent = history.customer.name || customerLabel(thread);
    const meta = [];
    const statePill = element("span", "chip", stateLabel(thread));
    statePill.dataset.testid = "thread-state";
    statePill.dataset.state = thread.state;
    meta.push(statePill, element("span", "", CHANNELS[thread.channel] ?? thread.channel));
    if (thread.language) meta.push(element("span", "", thread.language.toUpperCase()));
    if (thread.team) meta.push(element("span", "", `team ${thread.team}`));
    const sla = element("span", "sla");
    sla.dataset.threadId = String(thread.id);
    meta.push(sla);
    ui.meta.replaceChildren(...meta);

    ui.reason.textContent = thread.escalation.reason
      ? `${sentence(thread.escalation.reason)}${score(thread)}` : "Not escalated";
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

    renderTranscript(thread);
    renderHistory(history.threads);
    renderActions();
    tick();
  }

  function score(thread) {
    const value = thread.escalation.score;
    return typeof value === "number" ? ` (score ${Math.round(value * 100)}%)` : "";
  }

  function stateLabel(thread) {
    if (isMine(thread)) return "With you";
    if (thread.state === "with_agent") return `With ${thread.agent ?? "an agent"}`;
    return STATES[thread.state] ?? thread.state;
  }

  function renderTranscript(thread) {
    const list = ui.transcript;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const entries = [
      ...thread.messages.map((m) => ({ at: moment(m.created_at)?.getTime() ?? 0, order: 1, node: () => messageItem(m) })),
      ...thread.events.map((e) => ({ at: moment(e.created_at)?.getTime() ?? 0, order: 0, node: () => eventItem(e) })),
    ].sort((a, b) => a.at - b.at || a.order - b.order);
    list.replaceChildren(...entries.map((entry) => entry.node()));
    if (atEnd || !list.dataset.threadId || list.dataset.threadId !== String(thread.id)) {
      list.scrollTop = list.scrollHeight;
    }
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
    bubble.append(element("p", "message__text", message.text ?? ""));
    const time = element("time", "message__time", clock(message.created_at));
    time.dateTime = message.created_at ?? "";
    bubble.append(time);
    item.append(bubble);
    return item;
  }

  function eventItem(event) {
    const item = element("li", "event-line");
    item.dataset.testid = "event-line";
    item.dataset.event = event.event;
    const who = agentName(event.actor);
    const reason = event.reason ? `: ${event.reason}` : "";
    const text = {
      escalate: `Escalated by ${who}${reason}`,
      assign: `Assigned by ${who}`,
      claim: `Claimed by ${who}`,
      transfer_to_agent: `Transferred by ${who}${reason}`,
      transfer_to_queue: `Sent back to the queue by ${who}${reason}`,
      requeue: `Back in the queue${reason}`,
      hand_back: `Handed back to the bot by ${who}`,
      resolve: `Resolved by ${who}`,
    }[event.event] ?? `${event.event} by ${who}`;
    item.append(element("span", "", text), element("time", "", clock(event.created_at)));
    return item;
  }

  function renderHistory(threads) {
    ui.history.replaceChildren(...threads.map((past) => {
      const item = element("li");
      const button = element("button", "history__item");
      button.type = "button";
      button.dataset.testid = "history-item";
      button.dataset.threadId = String(past.id);
      const rating = past.rating ? ` · ${"★".repeat(past.rating)}` : "";
      button.append(
        element("span", "history__when", `${dateAndTime(past.created_at)} · ${STATES[past.state] ?? past.state}${rating}`),
        element("span", "history__preview", past.preview ? `“${past.preview}”` : "(no message)"),
      );
      if (past.escalation_reason) button.append(element("span", "chip", past.escalation_reason));
      button.addEventListener("click", () => openThread(past.id));
      item.append(button);
      return item;
    }));
    ui.historyEmpty.hidden = threads.length > 0;
  }

  /** Which buttons and which composer modes fit the open thread and the caller. */
  function renderActions() {
    const thread = state.thread;
    if (!thread || !state.me) return;
    const mine = isMine(thread);
    const supervisor = isSupervisor();
    const open = thread.state === "queued" || thread.state === "with_agent";
    const canManage = (mine || (supervisor && open)) && thread.state !== "gone";
    const canClaim = (thread.state === "queued" || thread.state === "bot") && thread.agent_id === null;
    ui.claim.hidden = !canClaim;
    ui.transfer.hidden = !canManage;
    ui.handBack.hidden = !canManage;
    ui.resolve.hidden = !canManage;
    if (!canManage) closeTransfer();

    const canReply = canManage;
    const canNote = open && thread.state !== "gone" && (canManage || thread.agent_id === null);
    ui.modeReply.disabled = !canReply;
    ui.modeNote.disabled = !canNote;
    if (!canReply && canNote) ui.modeNote.checked = true;
    if (canReply && !canNote) ui.modeReply.checked = true;
    const writable = canReply || canNote;
    ui.input.disabled = !writable;
    ui.send.disabled = !writable;
    ui.cannedButton.disabled = !canReply;
    ui.hint.textContent = !writable ? composerHint(thread)
      : !canReply ? "Claim the thread to reply to the customer." : "";
    applyMode();
  }

  function composerHint(thread) {
    if (thread.state === "gone") return "This thread is no longer yours.";
    if (thread.state === "resolved") return "This thread is resolved.";
    if (thread.state === "bot") return "The bot is answering this thread. Claim it to take over.";
    return `${thread.agent ?? "Another agent"} is answering this thread.`;
  }

  function mode() {
    return ui.modeNote.checked ? "note" : "reply";
  }

  function applyMode() {
    const note = mode() === "note";
    ui.composer.classList.toggle("composer--note", note);
    ui.input.placeholder = note
      ? "Write a private note for colleagues (never sent to the customer)…"
      : "Write to the customer… (type / for canned answers)";
  }

  // Thread actions

  ui.claim.addEventListener("click", () => act(ui.claim, async () => {
    const threadId = state.openId;
    try {
      await api("POST", `/threads/${threadId}/claim`);
      state.known?.set(threadId, true); // taken by us: no "assigned to you" for it
    } finally {
      refresh("queue");
      await reloadThread();
    }
    ui.modeReply.checked = true;
    applyMode();
    ui.input.focus();
  }));

  ui.resolve.addEventListener("click", () => act(ui.resolve, async () => {
    await api("POST", `/threads/${state.openId}/resolve`);
    refresh("queue");
    await reloadThread();
  }));

  ui.handBack.addEventListener("click", () => act(ui.handBack, async () => {
    await api("POST", `/threads/${state.openId}/hand-back`);
    refresh("queue");
    await reloadThread();
  }));

  ui.back.addEventListener("click", () => {
    const threadId = state.openId;
    closeThread();
    ui.queue.querySelector(`[data-testid=queue-item][data-thread-id="${threadId}"]`)?.focus();
  });

  ui.detailsToggle.addEventListener("click", () => {
    const body = ui.threadView;
    const shown = body.classList.toggle("thread--details");
    ui.detailsToggle.setAttribute("aria-expanded", String(shown));
  });

  window.addEventListener("popstate", () => {
    if (!state.me) return;
    const wanted = threadFromHash();
    if (wanted === null) closeThread({ keepHash: true });
    else if (wanted !== state.openId) openThread(wanted);
  });

  // Transfer

  function targetOptions(select, { includeMe = false } = {}) {
    const agents = element("optgroup");
    agents.label = "Agents";
    for (const agent of state.agents) {
      if (!includeMe && agent.id === state.me.id) continue;
      const option = element("option", "", `${agent.display_name} — ${agent.presence}, ${agent.active_threads}/${agent.capacity}`);
      option.value = `agent:${agent.login}`;
      option.disabled = agent.presence === "offline";
      agents.append(option);
    }
    const teams = element("optgroup");
    teams.label = "Teams (back to their queue)";
    for (const team of state.teams) {
      const option = element("option", "", team.name);
      option.value = `team:${team.id}`;
      teams.append(option);
    }
    select.replaceChildren(agents, teams);
    const first = select.querySelector("option:not(:disabled)");
    if (first) first.selected = true;
  }

  function transferBody(choice, reason) {
    const [kind, value] = [choice.slice(0, choice.indexOf(":")), choice.slice(choice.indexOf(":") + 1)];
    const body = kind === "team" ? { team: value } : { agent: value };
    if (reason) body.reason = reason;
    return body;
  }

  async function openTransfer() {
    await refreshAgents().catch(() => {}); // presence and load as they are now
    targetOptions(ui.transferTarget);
    ui.transferReason.value = "";
    ui.transferMenu.hidden = false;
    ui.transfer.setAttribute("aria-expanded", "true");
    ui.transferTarget.focus();
  }

  function closeTransfer() {
    if (ui.transferMenu.hidden) return;
    ui.transferMenu.hidden = true;
    ui.transfer.setAttribute("aria-expanded", "false");
  }

  ui.transfer.addEventListener("click", () => {
    if (ui.transferMenu.hidden) openTransfer();
    else closeTransfer();
  });

  ui.transferMenu.addEventListener("submit", (event) => {
    event.preventDefault();
    const choice = ui.transferTarget.value;
    if (!choice) return;
    act(ui.transferMenu.querySelector("[type=submit]"), async () => {
      await api("POST", `/threads/${state.openId}/transfer`, transferBody(choice, ui.transferReason.value.trim()));
      closeTransfer();
      refresh("queue");
      if (choice.startsWith("agent:") && !isSupervisor()) closeThread(); // no longer ours to see
      else await reloadThread();
    });
  });

  // Composer and canned answers

  ui.modeReply.addEventListener("change", applyMode);
  ui.modeNote.addEventListener("change", () => {
    applyMode();
    closeCanned();
  });

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (!text || state.openId === null) return;
    const threadId = state.openId;
    const path = mode() === "note" ? `/threads/${threadId}/notes` : `/threads/${threadId}/reply`;
    act(ui.send, async () => {
      await api("POST", path, { text });
      if (state.openId === threadId) ui.input.value = "";
      fitInput();
      refresh("queue");
      await reloadThread();
      ui.input.focus();
    });
  });

  ui.input.addEventListener("keydown", (event) => {
    const menuOpen = !ui.canned.hidden;
    if (menuOpen && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      moveCanned(event.key === "ArrowDown" ? 1 : -1);
    } else if (menuOpen && (event.key === "Enter" || event.key === "Tab") && state.canned.active >= 0) {
      event.preventDefault();
      pickCanned(state.canned.items[state.canned.active]);
    } else if (event.key === "Escape" && menuOpen) {
      event.preventDefault();
      closeCanned();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!ui.send.disabled) ui.composer.requestSubmit();
    }
  });

  ui.input.addEventListener("input", () => {
    fitInput();
    const text = ui.input.value;
    if (mode() === "reply" && text.startsWith("/")) loadCanned(text.slice(1));
    else closeCanned();
  });

  ui.cannedButton.addEventListener("click", () => {
    if (!ui.canned.hidden) {
      closeCanned();
      return;
    }
    if (!ui.input.value.trim()) ui.input.value = "/";
    ui.input.focus();
    const text = ui.input.value;
    loadCanned(text.startsWith("/") ? text.slice(1) : "");
  });

  function fitInput() {
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 200)}px`;
  }

  async function loadCanned(query) {
    const seq = ++state.canned.seq;
    let items;
    try {
      items = await api("GET", `/canned?q=${encodeURIComponent(query.trim())}`);
    } catch (error) {
      if (error.status !== 401) showError(error);
      return;
    }
    if (seq !== state.canned.seq) return;
    state.canned.items = items;
    state.canned.active = items.length ? 0 : -1;
    renderCanned(query);
  }

  function renderCanned(query) {
    const options = state.canned.items.map((answer, index) => {
      const option = element("li", "canned__option");
      option.id = `canned-${index}`;
      option.dataset.testid = "canned-option";
      option.setAttribute("role", "option");
      const title = element("span", "canned__title", answer.title);
      title.append(element("span", "canned__kind", answer.kind));
      option.append(title, element("span", "canned__text", answer.text));
      option.addEventListener("mousedown", (event) => {
        event.preventDefault(); // keep the focus in the message box
        pickCanned(answer);
      });
      return option;
    });
    if (!options.length) {
      options.push(element("li", "canned__empty", `No canned answer matches “${query.trim()}”.`));
    }
    ui.canned.replaceChildren(...options);
    ui.canned.hidden = false;
    ui.input.setAttribute("aria-expanded", "true");
    highlightCanned();
  }

  function moveCanned(step) {
    const count = state.canned.items.length;
    if (!count) return;
    state.canned.active = (state.canned.active + step + count) % count;
    highlightCanned();
  }

  function highlightCanned() {
    ui.canned.querySelectorAll("[role=option]").forEach((option, index) => {
      const active = index === state.canned.active;
      option.setAttribute("aria-selected", String(active));
      if (active) {
        ui.input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function pickCanned(answer) {
    if (!answer) return;
    ui.input.value = answer.text;
    closeCanned();
    fitInput();
    ui.input.focus();
    ui.input.setSelectionRange(answer.text.length, answer.text.length);
  }

  function closeCanned() {
    state.canned.seq += 1;
    state.canned.items = [];
    state.canned.active = -1;
    ui.canned.hidden = true;
    ui.canned.replaceChildren();
    ui.input.setAttribute("aria-expanded", "false");
    ui.input.removeAttribute("aria-activedescendant");
  }

  // Escape closes whatever menu is open; a click elsewhere too.

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (!ui.transferMenu.hidden) {
      closeTransfer();
      ui.transfer.focus();
    } else if (!ui.canned.hidden) {
      closeCanned();
    } else if (ui.threadView.classList.contains("thread--details")) {
      ui.detailsToggle.click();
    }
  });

  document.addEventListener("click", (event) => {
    if (!ui.transferMenu.hidden && !event.target.closest(".menu-anchor")) closeTransfer();
    if (!ui.canned.hidden && !event.target.closest(".composer__field")
        && event.target !== ui.cannedButton) {
      closeCanned();
    }
  });

  // Presence

  ui.presence.addEventListener("change", async (event) => {
    const value = event.target.value;
    const before = currentPresence();
    try {
      clearError();
      await api("POST", "/presence", { presence: value });
      await Promise.all([refreshAgents(), refreshQueue()]);
    } catch (error) {
      if (error.status !== 401) showError(error);
      setPresence(before);
    }
  });

  function currentPresence() {
    return state.agents.find((a) => a.id === state.me?.id)?.presence ?? "offline";
  }

  function setPresence(value) {
    const input = ui.presence.querySelector(`input[value="${value}"]`);
    if (input) input.checked = true;
  }

  // Agents, teams, supervisor view

  async function refreshAgents() {
    state.agents = await api("GET", "/agents");
    setPresence(currentPresence());
    renderSupervisor();
  }

  async function loadTeams() {
    state.teams = await api("GET", "/teams");
  }

  function showView(view) {
    for (const tab of [ui.tabQueue, ui.tabSupervisor, ui.tabReview]) {
      if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    ui.workspace.hidden = view !== "queue";
    ui.supervisor.hidden = view !== "supervisor";
    ui.review.hidden = view !== "review";
    if (view === "supervisor") renderSupervisor();
    document.dispatchEvent(new CustomEvent("console:view", { detail: view }));
  }

  ui.tabQueue.addEventListener("click", () => showView("queue"));
  ui.tabSupervisor.addEventListener("click", () => showView("supervisor"));
  ui.tabReview.addEventListener("click", () => showView("review"));

  function renderSupervisor() {
    if (!isSupervisor() || ui.supervisor.hidden) return;
    ui.agentsTable.replaceChildren(...state.agents.map((agent) => {
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
      row.append(
        cell(agent.display_name), cell(agent.teams.join(", ") || "—"), cell(presence), cell(load),
      );
      return row;
    }));

    const breaches = state.queue.filter(breached);
    ui.breaches.replaceChildren(...breaches.map((thread) => {
      const item = element("li", "breach");
      item.dataset.testid = "breach";
      item.append(openLink(thread), element("span", "sla", ""));
      item.lastChild.dataset.threadId = String(thread.id);
      return item;
    }));
    ui.breachesEmpty.hidden = breaches.length > 0;
    ui.breachCount.hidden = breaches.length === 0;
    ui.breachCount.textContent = String(breaches.length);

    ui.supervisorQueue.replaceChildren(...state.queue.map((thread) => {
      const row = element("tr");
      row.dataset.testid = "supervisor-thread";
      row.dataset.threadId = String(thread.id);
      const waited = element("span");
      waited.dataset.since = thread.escalated_at ?? thread.created_at ?? "";
      const sla = element("span", "sla");
      sla.dataset.threadId = String(thread.id);
      row.append(
        cell(openLink(thread)), cell(waited), cell(sla),
        cell(thread.state === "with_agent" ? thread.agent ?? "someone" : "waiting"),
        cell(thread.escalation.reason || "—"), cell(reassignControl(thread)),
      );
      return row;
    }));
    ui.supervisorQueueEmpty.hidden = state.queue.length > 0;
    tick();
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
    link.addEventListener("click", () => openThread(thread.id));
    return link;
  }

  function reassignControl(thread) {
    const form = element("form", "reassign");
    const select = element("select");
    select.dataset.testid = "reassign-target";
    select.setAttribute("aria-label", `Reassign thread ${thread.id} to`);
    targetOptions(select, { includeMe: true });
    const button = element("button", "button button--small", "Reassign");
    button.type = "submit";
    button.dataset.testid = "reassign-submit";
    form.append(select, button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(button, async () => {
        await api("POST", `/threads/${thread.id}/transfer`, transferBody(select.value, "reassigned by a supervisor"));
        await Promise.all([refreshQueue(), refreshAgents()]);
      });
    });
    return form;
  }

  // Snippets

  ui.snippetsButton.addEventListener("click", async () => {
    ui.snippetError.hidden = true;
    ui.snippetsDialog.showModal();
    ui.snippetTitle.focus();
    await loadSnippets();
  });

  ui.snippetsClose.addEventListener("click", () => ui.snippetsDialog.close());

  async function loadSnippets() {
    try {
      const snippets = await api("GET", "/snippets");
      ui.snippets.replaceChildren(...snippets.map(snippetItem));
    } catch (error) {
      ui.snippetError.textContent = error.message;
      ui.snippetError.hidden = false;
    }
  }

  function snippetItem(snippet) {
    const item = element("li", "snippet");
    item.dataset.testid = "snippet-item";
    const words = element("div");
    words.append(element("strong", "", snippet.title), element("div", "snippet__text", snippet.text));
    const remove = element("button", "button button--small button--ghost", "Delete");
    remove.type = "button";
    remove.dataset.testid = "snippet-delete";
    remove.setAttribute("aria-label", `Delete snippet ${snippet.title}`);
    remove.addEventListener("click", async () => {
      try {
        await api("DELETE", `/snippets/${snippet.id}`);
        await loadSnippets();
      } catch (error) {
        ui.snippetError.textContent = error.message;
        ui.snippetError.hidden = false;
      }
    });
    item.append(words, remove);
    return item;
  }

  ui.snippetForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    ui.snippetError.hidden = true;
    try {
      await api("POST", "/snippets", {
        title: ui.snippetTitle.value, text: ui.snippetText.value,
      });
      ui.snippetTitle.value = "";
      ui.snippetText.value = "";
      await loadSnippets();
      ui.snippetTitle.focus();
    } catch (error) {
      ui.snippetError.textContent = error.message;
      ui.snippetError.hidden = false;
    }
  });

  // Start

  async function boot() {
    try {
      const me = await api("GET", "/me");
      await enter(me);
    } catch (error) {
      if (error.status === 0) {
        showSignIn("Can't reach the server. Retrying…");
        setTimeout(boot, RECONNECT_MAX_MS / 3);
        return;
      }
      if (!state.me) showSignIn(error.status === 401 ? undefined : error.message);
      else showError(error);
    }
  }

  boot();
})();
