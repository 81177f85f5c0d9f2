// The console's Review tab: the inbox of messages the bot missed, validation and training.
//
// Designers (and supervisors) sign in to the same console; session.js shows this tab.
// The store says who signed in ("enter"), which view is shown ("view") and when the
// session ended ("leave"). Everything goes through /designer/api (server.js).
import { ApiError } from "./api.js";
import { byId, element, say } from "./dom.js";
import { act, showError } from "./feedback.js";
import { designerApi as api } from "./server.js";
import { store } from "./store.js";

const POLL_MS = 1000;
const ui = {
  view: byId("review-view"),
  tabCount: byId("review-count"),
  count: byId("inbox-count"),
  refresh: byId("inbox-refresh"),
  notice: byId("review-notice"),
  inbox: byId("inbox"),
  empty: byId("inbox-empty"),
  intentOptions: byId("intent-options"),
  modelName: byId("model-name"),
  modelState: byId("model-state"),
  validate: byId("validate"),
  train: byId("train"),
  training: byId("training"),
  phase: byId("training-phase"),
  bar: byId("training-bar"),
  log: byId("training-log"),
  summary: byId("validate-summary"),
  problems: byId("problems"),
};
const state = { me: null, intents: [], languages: [], poll: null };

// The inbox

async function loadInbox() {
  const [inbox, intents] = await Promise.all([api("GET", "/inbox"), api("GET", "/intents")]);
  state.intents = intents;
  state.languages = inbox.languages;
  ui.intentOptions.replaceChildren(...intents.map((intent) => {
    const option = element("option");
    option.value = intent.name;
    option.label = `${intent.examples} examples`;
    return option;
  }));
  ui.inbox.replaceChildren(...inbox.groups.map(groupCard));
  ui.empty.hidden = inbox.groups.length > 0;
  for (const badge of [ui.count, ui.tabCount]) {
    badge.textContent = String(inbox.total);
    badge.hidden = inbox.total === 0;
  }
}

function groupCard(group) {
  const card = element("li", "group");
  card.dataset.testid = "inbox-group";
  card.dataset.groupId = String(group.id);
  const size = group.messages.length;
  const head = element("p", "group__head", `${size} message${size === 1 ? "" : "s"}`);
  const list = element("ul", "group__messages");
  const boxes = group.messages.map((message) => {
    const item = element("li", "group__message");
    item.dataset.testid = "inbox-message";
    item.dataset.messageId = String(message.id);
    const label = element("label", "group__label");
    const box = element("input");
    box.type = "checkbox";
    box.checked = false; // the designer ticks what belongs together
    box.value = String(message.id);
    box.setAttribute("aria-label", `Include “${message.text}”`);
    const words = element("span", "group__text", message.text);
    words.dataset.testid = "inbox-text";
    label.append(box, words);
    const reasons = element("span", "group__reasons");
    for (const reason of message.reasons) {
      const chip = element("span", "chip", reason);
      chip.dataset.testid = "inbox-reason";
      reasons.append(chip);
    }
    item.append(label, reasons);
    list.append(item);
    return box;
  });

  const form = element("form", "group__form");
  const field = element("label", "field group__intent");
  field.append(element("span", "field__label", "Intent"));
  const input = element("input", "field__input");
  input.dataset.testid = "assign-intent";
  input.setAttribute("list", "intent-options");
  input.autocomplete = "off";
  input.spellcheck = false;
  input.maxLength = 64;
  input.placeholder = "an intent, or a new name";
  input.value = ""; // no guess prefilled: the model's likeliest intents below, one click each
  field.append(input);
  const likely = element("span", "group__reasons");
  likely.dataset.testid = "inbox-suggestions";
  for (const suggestion of group.suggestions || []) {
    const chip = element("button", "chip", `${suggestion.intent} ${Math.round(suggestion.likelihood * 100)}%`);
    chip.type = "button";
    chip.dataset.testid = "inbox-suggestion";
    chip.title = "How likely the model finds this intent; click to use it";
    chip.addEventListener("click", () => { input.value = suggestion.intent; relabel(); });
    likely.append(chip);
  }
  // A new intent's answer, one text per brand language (a rule will send it).
  const answers = element("div", "group__answers");
  answers.hidden = true;
  const answerInputs = (state.languages || ["en"]).map((language) => {
    const label = element("label", "field");
    label.append(element("span", "field__label", `Answer (${language}); a rule will send it`));
    const area = element("textarea", "field__input");
    area.rows = 2;
    area.dataset.testid = `new-intent-answer-${language}`;
    area.dataset.language = language;
    label.append(area);
    answers.append(label);
    return area;
  });
  const assign = element("button", "button button--primary", "Add as examples");
  assign.type = "submit";
  assign.dataset.testid = "assign-submit";
  const dismiss = element("button", "button button--ghost", "Dismiss");
  dismiss.type = "button";
  dismiss.dataset.testid = "dismiss";
  form.append(field, assign, dismiss);

  const chosen = () => boxes.filter((box) => box.checked).map((box) => Number(box.value));
  const isNew = () => !state.intents.some((intent) => intent.name === input.value.trim());
  const relabel = () => {
    assign.textContent = input.value.trim() && isNew() ? "Create intent and add" : "Add as examples";
    answers.hidden = !(input.value.trim() && isNew());
  };
  input.addEventListener("input", relabel);
  relabel();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const intent = input.value.trim();
    if (!intent) {
      input.focus();
      return;
    }
    act(assign, async () => {
      const ids = chosen();
      if (!ids.length) throw new ApiError("Tick at least one message.", 400);
      const body = { message_ids: ids, intent, new: isNew() };
      const answer = Object.fromEntries(answerInputs.filter((a) => a.value.trim())
        .map((a) => [a.dataset.language, a.value.trim()]));
      if (body.new && Object.keys(answer).length) body.answer = answer;
      let written;
      try {
        written = await api("POST", "/inbox/assign", body);
      } catch (error) { // an example that looks like another intent's: ask before adding
        if (error.status !== 409 || !error.data || !error.data.warnings) throw error;
        if (!window.confirm(`${error.data.warnings.join("\n")}\n\nAdd anyway?`)) return;
        written = await api("POST", "/inbox/assign", { ...body, despite_warnings: true });
      }
      say(ui.notice, `${written.added ? `Added ${written.added} example${written.added === 1 ? "" : "s"}` : "Already there"}`
        + ` to ${written.intent}${written.new_intent ? " (a new intent)" : ""} in ${written.file}.`
        + " Train to use them.");
      await Promise.all([loadInbox(), loadModel()]);
    });
  });
  dismiss.addEventListener("click", () => act(dismiss, async () => {
    const ids = chosen();
    if (!ids.length) return;
    await api("POST", "/inbox/dismiss", { message_ids: ids });
    say(ui.notice, `Dismissed ${ids.length} message${ids.length === 1 ? "" : "s"}.`);
    await loadInbox();
  }));

  card.append(head, list, likely, form, answers);
  return card;
}

ui.refresh.addEventListener("click", () => act(ui.refresh, loadInbox));

// Validation, training and the model

async function loadModel() {
  const model = await api("GET", "/model");
  ui.modelName.textContent = model.model;
  ui.modelState.textContent = model.up_to_date
    ? "The model is trained from the files as they are."
    : "The files changed since this model was trained: train to use the changes.";
  ui.modelState.dataset.state = model.up_to_date ? "current" : "stale";
}

ui.validate.addEventListener("click", () => act(ui.validate, async () => {
  say(ui.summary, "Validating…");
  const result = await api("GET", "/validate");
  showProblems(result.summary, result.problems);
}));

function showProblems(summary, problems) {
  say(ui.summary, summary === "valid" ? "Valid: no problems found." : summary);
  ui.problems.replaceChildren(...problems.map((problem) => {
    const item = element("li", `problem problem--${problem.severity}`);
    item.dataset.testid = "problem";
    const where = problem.path ? `${problem.path}${problem.line ? `:${problem.line}` : ""}` : "";
    if (where) item.append(element("code", "problem__where", where));
    item.append(element("span", "", problem.message));
    return item;
  }));
}

ui.train.addEventListener("click", () => act(ui.train, async () => {
  try {
    const status = await api("POST", "/train");
    showTraining(status);
    followTraining();
  } catch (error) {
    if (error.status === 422 && error.data) {
      showProblems("The data has errors: fix them first.", error.data.problems);
      return;
    }
    throw error;
  }
}));

function showTraining(status) {
  ui.training.hidden = status.state === "idle";
  ui.training.dataset.state = status.state;
  const phase = status.state === "failed" ? `Training failed: ${status.error}`
    : status.state === "succeeded" ? `Done: ${status.model} answers now.`
      : `${status.phase.charAt(0).toUpperCase()}${status.phase.slice(1)}…`;
  ui.phase.textContent = phase;
  const fill = ui.bar.firstElementChild;
  const known = status.percent !== null && status.state === "running";
  ui.bar.classList.toggle("progress__bar--busy", status.state === "running" && !known);
  fill.style.width = status.state === "succeeded" ? "100%" : known ? `${status.percent}%` : "";
  if (known) ui.bar.setAttribute("aria-valuenow", String(status.percent));
  else ui.bar.removeAttribute("aria-valuenow");
  ui.log.textContent = status.log.join("\n");
  ui.train.disabled = status.state === "running";
}

function followTraining() {
  clearTimeout(state.poll);
  state.poll = setTimeout(async () => {
    try {
      const status = await api("GET", "/train");
      showTraining(status);
      if (status.state === "running") followTraining();
      else await loadModel();
    } catch (error) {
      showError(error);
      if (error.status !== 401) followTraining();
    }
  }, POLL_MS);
}

// Wiring to the console

async function open() {
  try {
    await Promise.all([loadInbox(), loadModel()]);
    const status = await api("GET", "/train");
    showTraining(status);
    if (status.state === "running") followTraining();
    store.emit("review-open");
  } catch (error) {
    showError(error);
  }
}

store.on("enter", (me) => {
  state.me = me;
  if (me.role === "supervisor") { // a designer's console opens on the inbox itself
    api("GET", "/inbox").then((inbox) => {
      ui.tabCount.textContent = String(inbox.total);
      ui.tabCount.hidden = inbox.total === 0;
    }).catch(() => {});
  }
});

store.on("view", (view) => {
  if (view === "review" && state.me && state.me.role !== "agent") open();
});

store.on("review-changed", () => loadModel().catch(showError));

store.on("leave", () => {
  state.me = null;
  clearTimeout(state.poll);
});
