// Who the customer is, on a queue card and in the thread's details: the channel's name
// and handle, the contact they left, the orders they mentioned, their language and
// their earlier threads.
import { dateAndTime, element } from "./dom.js";

const LANGUAGES = {
  en: "English", fr: "French", es: "Spanish", de: "German", it: "Italian",
};

/** "FR", with a title saying whether it was read from the customer's messages. */
export function languageChip(thread) {
  const code = thread.language;
  const chip = element("span", "chip", code.toUpperCase());
  chip.dataset.testid = "language";
  const name = LANGUAGES[code] ?? code;
  chip.title = thread.language_detected
    ? `Writes in ${name}` : `${name}: the brand's default (no message told the language)`;
  return chip;
}

/** The card's chips: orders mentioned, a contact left, earlier threads. */
export function customerChips(thread) {
  const customer = thread.customer;
  if (!customer) return [];
  const chips = customer.orders.map((order) => {
    const chip = element("span", "chip chip--order", order);
    chip.dataset.testid = "order";
    return chip;
  });
  const contact = contactOf(customer);
  if (contact) {
    const chip = element("span", "chip chip--contact", `✉ ${contact}`);
    chip.dataset.testid = "contact";
    chip.title = "Left to be reached at";
    chips.push(chip);
  }
  if (customer.earlier_threads) {
    const count = customer.earlier_threads;
    const chip = element("span", "chip", `${count} earlier thread${count === 1 ? "" : "s"}`);
    chip.dataset.testid = "earlier-threads";
    chips.push(chip);
  }
  return chips;
}

/** The customer's facts for the thread's details, as [term, value node] pairs. */
export function customerFacts(thread) {
  const customer = thread.customer;
  if (!customer) return [];
  const facts = [];
  if (customer.name) facts.push(["Name", text(customer.name)]);
  if (customer.username) facts.push(["Telegram", text(`@${customer.username}`)]);
  if (customer.email) facts.push(["E-mail", mailLink(customer.email)]);
  if (customer.telegram) facts.push(["Telegram left", text(customer.telegram)]);
  if (customer.contact_left_at) facts.push(["Contact left", text(dateAndTime(customer.contact_left_at))]);
  facts.push(["Orders", text(customer.orders.join(", ") || "none mentioned")]);
  facts.push(["Earlier threads", text(String(customer.earlier_threads))]);
  return facts;
}

function contactOf(customer) {
  return customer.email || customer.telegram;
}

function text(value) {
  return document.createTextNode(value);
}

function mailLink(address) {
  const anchor = element("a", "link", address);
  anchor.href = `mailto:${address}`;
  anchor.dataset.testid = "customer-email";
  return anchor;
}
