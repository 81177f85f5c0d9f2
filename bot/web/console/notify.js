// Browser notifications for new escalations and threads assigned to the agent.
import { byId } from "./dom.js";
import { store } from "./store.js";

const button = byId("notify-button");

function supported() {
  return "Notification" in window && typeof Notification.requestPermission === "function";
}

/** Offer "Enable alerts" only while the browser has not been asked yet. */
export function updateNotifyButton() {
  button.hidden = !supported() || Notification.permission !== "default";
}

export function hideNotifyButton() {
  button.hidden = true;
}

button.addEventListener("click", async () => {
  try {
    await Notification.requestPermission();
  } catch (_unsupported) {
    // old browsers take a callback; nothing to do then
  }
  updateNotifyButton();
});

/** A notification that opens the thread when clicked. */
export function notify(title, body, threadId) {
  if (!supported() || Notification.permission !== "granted") return;
  try {
    const note = new Notification(title, { body, tag: `thread-${threadId}` });
    note.onclick = () => {
      window.focus();
      store.emit("open-thread", threadId);
      note.close();
    };
  } catch (_refused) {
    // e.g. mobile browsers that allow notifications only from a service worker
  }
}
