// Canned answers in the composer: type / (or press Canned) and pick a template or one
// of the agent's snippets; arrows move, Enter or Tab picks, Esc closes.
import { byId, element } from "./dom.js";
import { showError } from "./feedback.js";
import { agentsApi as api } from "./server.js";

const ui = {
  input: byId("composer-input"),
  menu: byId("canned-menu"),
  button: byId("canned-button"),
};
const canned = { items: [], active: -1, seq: 0 };

/** Offer the canned answers containing every word of `query`. */
export async function openCannedFor(query) {
  const seq = ++canned.seq;
  let items;
  try {
    items = await api("GET", `/canned?q=${encodeURIComponent(query.trim())}`);
  } catch (error) {
    showError(error);
    return;
  }
  if (seq !== canned.seq) return;
  canned.items = items;
  canned.active = items.length ? 0 : -1;
  render(query);
}

function render(query) {
  const options = canned.items.map((answer, index) => {
    const option = element("li", "canned__option");
    option.id = `canned-${index}`;
    option.dataset.testid = "canned-option";
    option.setAttribute("role", "option");
    const title = element("span", "canned__title", answer.title);
    title.append(element("span", "canned__kind", answer.kind));
    option.append(title, element("span", "canned__text", answer.text));
    option.addEventListener("mousedown", (event) => {
      event.preventDefault(); // keep the focus in the message box
      pick(answer);
    });
    return option;
  });
  if (!options.length) {
    options.push(element("li", "canned__empty", `No canned answer matches “${query.trim()}”.`));
  }
  ui.menu.replaceChildren(...options);
  ui.menu.hidden = false;
  ui.input.setAttribute("aria-expanded", "true");
  highlight();
}

function move(step) {
  const count = canned.items.length;
  if (!count) return;
  canned.active = (canned.active + step + count) % count;
  highlight();
}

function highlight() {
  ui.menu.querySelectorAll("[role=option]").forEach((option, index) => {
    const active = index === canned.active;
    option.setAttribute("aria-selected", String(active));
    if (active) {
      ui.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  });
}

function pick(answer) {
  if (!answer) return;
  ui.input.value = answer.text;
  closeCanned();
  ui.input.dispatchEvent(new Event("input")); // the composer fits the box to the text
  ui.input.focus();
  ui.input.setSelectionRange(answer.text.length, answer.text.length);
}

/** Close the menu; true if it was open. */
export function closeCanned() {
  const wasOpen = !ui.menu.hidden;
  canned.seq += 1;
  canned.items = [];
  canned.active = -1;
  ui.menu.hidden = true;
  ui.menu.replaceChildren();
  ui.input.setAttribute("aria-expanded", "false");
  ui.input.removeAttribute("aria-activedescendant");
  return wasOpen;
}

/** The menu's keys in the message box; true if the key was the menu's. */
export function cannedKeydown(event) {
  if (ui.menu.hidden) return false;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    move(event.key === "ArrowDown" ? 1 : -1);
  } else if ((event.key === "Enter" || event.key === "Tab") && canned.active >= 0) {
    pick(canned.items[canned.active]);
  } else if (event.key === "Escape") {
    closeCanned();
  } else {
    return false;
  }
  event.preventDefault();
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !event.defaultPrevented && closeCanned()) event.preventDefault();
});

document.addEventListener("click", (event) => {
  if (!event.target.closest(".composer__field") && event.target !== ui.button) closeCanned();
});
