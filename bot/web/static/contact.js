// The web chat's contact form: while a person is needed, the customer may leave their
// name and an e-mail address or a Telegram username, so that people can reach them
// after they leave. chat.js says when (the "chat:contact-form" event, with what the
// server has); nothing here is required to chat.
"use strict";

(() => {
  const API = "/chat/api/contact";
  const say = FernhillText.say;
  const SKIPPED_KEY = "fernhill.chat.contact-skipped"; // the thread the customer said no for

  const form = document.querySelector("[data-testid=contact-form]");
  const nameInput = document.querySelector("[data-testid=contact-name]");
  const contactInput = document.querySelector("[data-testid=contact-value]");
  const errorBox = document.querySelector("[data-testid=contact-error]");
  const saveButton = document.querySelector("[data-testid=contact-save]");
  const saved = document.querySelector("[data-testid=contact-saved]");
  const savedText = document.querySelector("[data-testid=contact-saved-text]");

  let chatId = null;
  let current = null; // the server's contact_form: {thread_id, name, email, telegram} or null
  let editing = false;

  function skippedThread() {
    try {
      return sessionStorage.getItem(SKIPPED_KEY);
    } catch (_blocked) {
      return null;
    }
  }

  function skip(threadId) {
    try {
      sessionStorage.setItem(SKIPPED_KEY, String(threadId));
    } catch (_blocked) {
      // storage disabled: the form stays closed until the page reloads
    }
  }

  function leftContact(value) {
    return value ? value.email || value.telegram : null;
  }

  function render() {
    const left = leftContact(current);
    const skipped = current !== null && skippedThread() === String(current.thread_id);
    form.hidden = current === null || (!editing && (Boolean(left) || skipped));
    saved.hidden = current === null || editing || !left;
    if (left) {
      savedText.textContent = current.name
        ? say("willReachNamed", { name: current.name, contact: left })
        : say("willReach", { contact: left });
    }
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  document.addEventListener("chat:language", () => render());

  document.addEventListener("chat:contact-form", (event) => {
    chatId = event.detail.chatId;
    const wasOpen = current !== null;
    current = event.detail.form;
    if (current && !wasOpen) {
      nameInput.value = current.name ?? "";
      contactInput.value = leftContact(current) ?? "";
    }
    render();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    const contact = contactInput.value.trim();
    if (!name && !contact) {
      showError(say("contactMissing"));
      return;
    }
    showError("");
    saveButton.disabled = true;
    try {
      const response = await fetch(API, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ chat_id: chatId, name, contact }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        const reason = typeof body.error === "string" ? body.error : `error ${response.status}`;
        showError(say("notSaved", { reason }));
        return;
      }
      current = body.contact_form;
      editing = false;
      render();
    } catch (_offline) {
      showError(say("unreachable"));
    } finally {
      saveButton.disabled = false;
    }
  });

  document.querySelector("[data-testid=contact-skip]").addEventListener("click", () => {
    if (current) skip(current.thread_id);
    editing = false;
    showError("");
    render();
  });

  document.querySelector("[data-testid=contact-change]").addEventListener("click", () => {
    editing = true;
    render();
    contactInput.focus();
  });
})();
