// Small helpers for building the page and writing times, shared by every panel.

/** The element with `data-testid="id"`. */
export const byId = (id) => document.querySelector(`[data-testid="${id}"]`);

/** A new element with a class and a text. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** A new element with attributes (`class` among them) and children (nodes or texts). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

/** Show `text` in `node`, or hide it when empty. */
export function say(node, text) {
  node.textContent = text;
  node.hidden = !text;
}

/** "hello" -> "Hello". */
export function sentence(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** An ISO time from the server (UTC, with or without an offset) as a Date, or null. */
export function moment(iso) {
  if (typeof iso !== "string") return null;
  const value = new Date(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(value.getTime()) ? null : value;
}

/** "14:05", in the agent's time zone. */
export function clock(iso) {
  const value = moment(iso);
  return value ? value.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

/** A `<time>` element showing the clock time of `iso`. */
export function timeElement(iso, className = "") {
  const time = element("time", className, clock(iso));
  const value = moment(iso);
  if (value) time.dateTime = value.toISOString();
  return time;
}

/** "3 Dec, 14:05". */
export function dateAndTime(iso) {
  const value = moment(iso);
  if (!value) return "";
  return value.toLocaleString([], {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}

/** "4:05" under an hour, "1 h 05 min" above. */
export function duration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}
