// The agent's own snippets: canned answers they write, offered with the templates.
import { byId, element, say } from "./dom.js";
import { agentsApi as api } from "./server.js";

const ui = {
  open: byId("snippets-button"),
  dialog: byId("snippets-dialog"),
  form: byId("snippet-form"),
  list: byId("snippets"),
  title: byId("snippet-title"),
  text: byId("snippet-text"),
  error: byId("snippet-error"),
  close: byId("snippets-close"),
};

/** Run `work`; its failure is shown in the dialog. */
async function guarded(work) {
  say(ui.error, "");
  try {
    await work();
  } catch (error) {
    say(ui.error, error.message);
  }
}

async function load() {
  const snippets = await api("GET", "/snippets");
  ui.list.replaceChildren(...snippets.map(item));
}

function item(snippet) {
  const entry = element("li", "snippet");
  entry.dataset.testid = "snippet-item";
  const words = element("div");
  words.append(element("strong", "", snippet.title), element("div", "snippet__text", snippet.text));
  const remove = element("button", "button button--small button--ghost", "Delete");
  remove.type = "button";
  remove.dataset.testid = "snippet-delete";
  remove.setAttribute("aria-label", `Delete snippet ${snippet.title}`);
  remove.addEventListener("click", () => guarded(async () => {
    await api("DELETE", `/snippets/${snippet.id}`);
    await load();
  }));
  entry.append(words, remove);
  return entry;
}

ui.open.addEventListener("click", () => {
  ui.dialog.showModal();
  ui.title.focus();
  guarded(load);
});

ui.close.addEventListener("click", () => ui.dialog.close());

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    await api("POST", "/snippets", { title: ui.title.value, text: ui.text.value });
    ui.title.value = "";
    ui.text.value = "";
    await load();
    ui.title.focus();
  });
});
