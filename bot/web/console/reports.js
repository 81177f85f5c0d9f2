// The Reports page: figures, SVG charts, the thread list and a transcript viewer.
// `mountReports(root)` draws it into any element (the console hooks it in as a tab);
// reports.html shows it on its own. Data come from /agents/api/reports (same cookie).

import { createClient } from "./api.js";
import { el } from "./dom.js";
import { barChart, columnChart, heatmap, sparkline } from "./reports_charts.js";

const API = "/agents/api";
const api = createClient(API);

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function percent(share) {
  return share === null || share === undefined ? "–" : `${(share * 100).toFixed(1)}%`;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export async function mountReports(root) {
  root.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  let me;
  try {
    me = await api("GET", "/me");
  } catch (error) {
    if (error.status === 401) return signIn(root);
    root.replaceChildren(el("p", { class: "error" }, error.message));
    return;
  }
  const today = new Date();
  const weekAgo = new Date(today.getTime() - 6 * 86400000);
  const form = el("form", { class: "filters", "aria-label": "Report filters" },
    field("From", el("input", { type: "date", name: "from", value: isoDay(weekAgo) })),
    field("To", el("input", { type: "date", name: "to", value: isoDay(today) })),
    field("Channel", el("input", { name: "channel", placeholder: "any", size: 9 })),
    field("Team", el("input", { name: "team", placeholder: "any", size: 8 })),
    field("Agent", el("input", { name: "agent", placeholder: "any login", size: 9 })),
    field("Language", el("input", { name: "language", placeholder: "any", size: 4 })),
    el("button", { type: "submit" }, "Show"),
    el("a", { class: "export", href: "#", download: "threads.csv" }, "Export threads (CSV)"),
  );
  const body = el("div", { class: "report-body" });
  root.replaceChildren(
    el("header", { class: "reports-head" }, el("h1", {}, "Reports"), el("span", { class: "who" }, `${me.display_name} · ${me.role}`)),
    form, body,
  );
  const query = () => {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (String(value).trim()) params.set(name, String(value).trim());
    return params;
  };
  const show = async () => {
    const params = query();
    form.querySelector(".export").href = `${API}/reports/threads.csv?${params}`;
    body.replaceChildren(el("p", { class: "muted" }, "Computing…"));
    try {
      const report = await api("GET", `/reports?${params}`);
      body.replaceChildren(...renderReport(report));
      if (me.role === "supervisor") body.append(threadBrowser(params));
      else body.append(el("p", { class: "muted" }, "Threads and transcripts are for supervisors."));
      root.dataset.ready = "true";
    } catch (error) {
      body.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
    }
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  await show();
}

function field(label, input) {
  return el("label", {}, el("span", {}, label), input);
}

function signIn(root) {
  const form = el("form", { class: "sign-in" },
    el("h1", {}, "Reports — sign in"),
    field("Login", el("input", { name: "login", autocomplete: "username", required: "" })),
    field("Password", el("input", { name: "password", type: "password", autocomplete: "current-password", required: "" })),
    el("button", { type: "submit" }, "Sign in"),
    el("p", { class: "error", role: "alert" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      await api("POST", "/session", data);
      mountReports(root);
    } catch (error) {
      form.querySelector(".error").textContent = error.message;
    }
  });
  root.replaceChildren(form);
}

function tile(label, value, note = "") {
  return el("div", { class: "tile" }, el("span", { class: "tile-label" }, label), el("strong", {}, value), el("small", {}, note));
}

function panel(title, ...children) {
  return el("section", { class: "panel" }, el("h2", {}, title), ...children);
}

function spreadText(spread) {
  return `p50 ${duration(spread.p50)} · p90 ${duration(spread.p90)} · n=${spread.count}`;
}

export function renderReport(report) {
  const { volume, speed, satisfaction, public: split } = report;
  const tiles = el("div", { class: "tiles" },
    tile("Conversations", String(volume.conversations), `${volume.messages} messages`),
    tile("Containment", percent(volume.containment), "answered by the bot alone"),
    tile("Escalations", String(volume.escalations), percent(volume.escalation_rate)),
    tile("Escalation → first human (p90)", duration(speed.escalation_to_human.p90), `p50 ${duration(speed.escalation_to_human.p50)}`),
    tile(`Within ${speed.sla_minutes} min SLA`, percent(speed.within_sla_share), `${speed.sla_breaches} breaches`),
    tile("Agent messages signed", percent(volume.signed_share), `${volume.agent_messages_signed} of ${volume.agent_messages}`),
    tile("Average rating", satisfaction.average === null ? "–" : `${satisfaction.average} / 5`, `response rate ${percent(satisfaction.response_rate)}`),
  );
  const speedTable = table(["Measure", "p50", "p90", "Mean", "Count"], [
    ["Bot answer", speed.bot_answer], ["Escalation → first human", speed.escalation_to_human],
    ["First response", speed.first_response], ["Next response", speed.next_response],
    ["Resolution", speed.resolution],
  ].map(([name, s]) => [name, duration(s.p50), duration(s.p90), duration(s.mean), s.count]));
  const agents = table(["Agent", "Threads", "Resolved", "p50 to human", "p90 to human", "p50 resolution", "Rating", "Breaches", "Hours active", "Time online"],
    report.agents.map((a) => [a.name, a.threads, a.resolved, duration(a.escalation_to_human.p50), duration(a.escalation_to_human.p90),
      duration(a.resolution.p50), a.average_rating ?? "–", a.sla_breaches, a.hours_active, duration(a.time_online_seconds)]));
  const peak = report.peak_hours;
  const heat = el("div", { class: "heatmaps" },
    el("figure", {}, heatmap(peak.incoming, peak.days, { hue: 28, title: "Incoming messages" }), el("figcaption", {}, "Incoming messages")),
    el("figure", {}, heatmap(peak.escalations, peak.days, { hue: 4, outline: peak.short, title: "Escalations" }), el("figcaption", {}, "Escalations (outlined: more than the agents active can take)")),
    el("figure", {}, heatmap(peak.agents_active, peak.days, { hue: 210, title: "Agents active" }), el("figcaption", {}, "Agents active")),
  );
  const topics = el("ol", { class: "topics" }, ...report.topics.topics.map((topic) => el("li", {},
    el("div", { class: "topic-head" }, el("strong", {}, topic.name), el("span", { class: `change ${topic.change}` }, `${topic.messages} · ${topic.change}`),
      sparkline(topic.trend.map((point) => point.messages))),
    ...topic.examples.map((example) => el("q", {}, example)),
  )));
  const publicPanel = table(["", "Escalations", "p50 to human", "p90 to human"], ["public", "private"].map((kind) => [
    kind, split[kind].escalations, duration(split[kind].escalation_to_human.p50), duration(split[kind].escalation_to_human.p90)]));
  const publicNote = el("p", {}, `Public complaints answered in public: ${split.public.answered_in_public} (${percent(split.public.answered_in_public_share)}), `
    + `${split.public.answered_in_public_within_5s} within 5 s (p90 ${duration(split.public.public_answer.p90)}); moved to a private chat: `
    + `${split.public.moved_to_private} (${percent(split.public.moved_to_private_share)}).`);
  return [
    tiles,
    el("div", { class: "columns" },
      panel("Speed", speedTable, el("p", { class: "muted" }, `${speed.escalations_unanswered} escalations still wait for a first answer.`)),
      panel("Escalation reasons", barChart(volume.reasons.map((r) => ({ label: r.reason, value: r.count })), { color: "#7a5c99" })),
      panel("Ratings", columnChart(satisfaction.distribution), el("p", { class: "muted" }, `${satisfaction.ratings} ratings of ${satisfaction.asked} asked`)),
    ),
    panel("Per agent", agents),
    panel(`Complaint topics (${report.topics.messages} messages${report.topics.step > 1 ? `, 1 in ${report.topics.step} sampled` : ""})`, topics),
    panel(`Peak hours (UTC, average per day) — ${peak.short_hours} short hours`, heat),
    panel("Public against private", publicPanel, publicNote),
    el("p", { class: "muted timings" }, "Computed in " + Object.entries(report.seconds).map(([k, v]) => `${k} ${v}s`).join(", ")),
  ];
}

function table(head, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((cell) => el("td", {}, cell))))));
}

function threadBrowser(filters) {
  const form = el("form", { class: "filters thread-search", "aria-label": "Search threads" },
    field("Customer", el("input", { name: "customer", size: 12 })),
    field("Text", el("input", { name: "q", size: 16 })),
    field("Rating", el("input", { name: "rating", type: "number", min: 1, max: 5, size: 2 })),
    el("button", { type: "submit" }, "Search"));
  const list = el("div", { class: "thread-list" });
  const transcript = el("div", { class: "transcript", "aria-live": "polite" });
  const search = async (before = null) => {
    const params = new URLSearchParams(filters);
    for (const [name, value] of new FormData(form)) if (String(value).trim()) params.set(name, String(value).trim());
    if (before) params.set("before", before);
    try {
      const page = await api("GET", `/reports/threads?${params}`);
      const rows = page.threads.map((t) => {
        const row = el("tr", { tabindex: 0, "data-thread": t.thread_id },
          ...[t.thread_id, t.created_at.slice(0, 16).replace("T", " "), t.channel, t.customer, t.agent ?? "bot", t.state,
            duration(t.escalation_to_human_seconds), t.rating ?? "–"].map((cell) => el("td", {}, cell)));
        row.addEventListener("click", () => openTranscript(t.thread_id, transcript));
        return row;
      });
      const more = page.next_before ? el("button", { type: "button" }, "Older threads") : "";
      if (more) more.addEventListener("click", () => search(page.next_before));
      list.replaceChildren(table(["#", "Started", "Channel", "Customer", "Agent", "State", "To human", "Rating"], []), more);
      list.querySelector("tbody").append(...rows);
      list.dataset.search = params.toString();
    } catch (error) {
      list.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
    }
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  search();
  return panel("Threads", form, el("div", { class: "thread-split" }, list, transcript));
}

async function openTranscript(threadId, target) {
  try {
    const thread = await api("GET", `/reports/threads/${threadId}`);
    target.replaceChildren(el("h3", {}, `Thread ${threadId}`), ...thread.messages.map((m) =>
      el("div", { class: `line ${m.author}` }, el("span", { class: "who" }, m.agent || m.author), el("span", { class: "when" }, m.created_at.slice(11, 19)), el("p", {}, m.text))));
  } catch (error) {
    target.replaceChildren(el("p", { class: "error" }, error.message));
  }
}
