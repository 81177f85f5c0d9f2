// The console's error toast, and `act`: run an agent's action from a button, showing a
// failure instead of throwing it. Shared by every panel and the Review tab.
import { byId } from "./dom.js";

const toast = byId("console-error");
const TOAST_MS = 8000;
let toastTimer = null;

/** Show an error (or a message) in the toast for a few seconds; a 401 is left to sign-in. */
export function showError(error) {
  if (error && error.status === 401) return;
  toast.textContent = error instanceof Error ? error.message : String(error);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, TOAST_MS);
}

export function clearError() {
  toast.hidden = true;
}

/**
 * Run `work` with `button` disabled; a failure is shown, never thrown.
 *
 * @param {HTMLButtonElement|null} button disabled while the work runs
 * @param {() => Promise<void>} work the action
 * @param {() => void} [after] run in every case once the work is over
 */
export async function act(button, work, after) {
  if (button) button.disabled = true;
  try {
    clearError();
    await work();
  } catch (error) {
    showError(error);
  } finally {
    if (button) button.disabled = false;
    after?.();
  }
}
