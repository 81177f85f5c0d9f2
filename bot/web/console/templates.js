// The Review tab's template editor: a response's texts per brand language, with a preview.
//
// Saving writes the domain file (comments and layout kept); the bot says the new words
// after the next training.
import { byId, element, say } from "./dom.js";
import { act, showError } from "./feedback.js";
import { designerApi as api } from "./server.js";
import { store } from "./store.js";

const SAMPLES = {
  agent: "Ana", position: "2", wait: "5 minutes", opening: "tomorrow at 9:00",
  link: "t.me/fernhill", kind: "photo",
};

const ui = {
  select: byId("template-select"),
  languages: byId("template-languages"),
  variants: byId("template-variants"),
  add: byId("template-add"),
  save: byId("template-save"),
  notice: byId("template-notice"),
  preview: byId("template-preview"),
};
const state = { languages: [], templates: [], name: null, language: null };

async function load() {
  const found = await api("GET", "/templates");
  state.languages = found.languages;
  state.templates = found.templates;
  const keep = state.name;
  ui.select.replaceChildren(...found.templates.map((template) => {
    const option = element("option", "", template.missing.length
      ? `${template.name} (no ${template.missing.join(", ")})` : template.name);
    option.value = template.name;
    return option;
  }));
  state.name = found.templates.some((t) => t.name === keep) ? keep : found.templates[0]?.name;
  if (state.name) ui.select.value = state.name;
  if (!state.languages.includes(state.language)) state.language = state.languages[0];
  render();
}

function current() {
  return state.templates.find((template) => template.name === state.name);
}

function render() {
  const template = current();
  ui.languages.replaceChildren(...state.languages.map((language) => {
    const label = element("label", "composer__mode");
    const input = element("input");
    input.type = "radio";
    input.name = "template-language";
    input.value = language;
    input.checked = language === state.language;
    input.dataset.testid = `template-language-${language}`;
    input.addEventListener("change", () => {
      state.language = language;
      render();
    });
    const missing = template && template.missing.includes(language);
    label.append(input, element("span", "", language.toUpperCase() + (missing ? " · missing" : "")));
    return label;
  }));
  const texts = template ? template.texts[state.language] || [] : [];
  ui.variants.replaceChildren(...(texts.length ? texts : [""]).map(variantField));
  preview();
}

function variantField(text) {
  const item = element("li", "variant");
  const area = element("textarea", "field__input variant__text");
  area.rows = 2;
  area.maxLength = 4096;
  area.value = text;
  area.dataset.testid = "template-text";
  area.setAttribute("aria-label", "Text of this variant");
  area.addEventListener("input", preview);
  const remove = element("button", "button button--ghost button--small", "Remove");
  remove.type = "button";
  remove.addEventListener("click", () => {
    item.remove();
    if (!ui.variants.children.length) ui.variants.append(variantField(""));
    preview();
  });
  item.append(area, remove);
  return item;
}

function texts() {
  return [...ui.variants.querySelectorAll("textarea")].map((a) => a.value.trim()).filter(Boolean);
}

/** The texts as the customer would read them, with sample values in the placeholders. */
function preview() {
  ui.preview.replaceChildren(...texts().map((text) => {
    const item = element("li", "message message--bot");
    const bubble = element("div", "message__bubble");
    bubble.dataset.testid = "preview-bubble";
    bubble.append(element("p", "message__text",
      text.replace(/\{(\w+)\}/g, (whole, key) => SAMPLES[key] ?? whole)));
    item.append(bubble);
    return item;
  }));
}

ui.select.addEventListener("change", () => {
  state.name = ui.select.value;
  say(ui.notice, "");
  render();
});

ui.add.addEventListener("click", () => {
  const field = variantField("");
  ui.variants.append(field);
  field.querySelector("textarea").focus();
});

// Save sends every variant as written, empty ones too, so the server refuses a cleared
// text instead of dropping it; fewer variants than the template had means the designer
// pressed Remove, which confirms the removal.
ui.save.addEventListener("click", () => act(ui.save, async () => {
  const written = [...ui.variants.querySelectorAll("textarea")].map((a) => a.value.trim());
  const before = (current()?.texts[state.language] || []).length;
  const saved = await api("PUT", `/templates/${encodeURIComponent(state.name)}`, {
    language: state.language, texts: written, remove_variants: written.length < before,
  });
  state.templates = state.templates.map((t) => (t.name === saved.name ? saved : t));
  say(ui.notice, `Saved ${saved.name} (${state.language}). Train to use the new words.`);
  render();
  store.emit("review-changed");
}));

store.on("review-open", () => load().catch(showError));
