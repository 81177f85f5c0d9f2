// The web chat's own words, in the demo brand's languages. The page starts in the
// browser's language (when it is one of these) and follows the conversation's once
// the server says which it is (chat.js calls `FernhillText.use`). Elements carry
// `data-text` (their text), `data-text-placeholder` or `data-text-label` (aria-label).
"use strict";

window.FernhillText = (() => {
  const WORDS = {
    en: {
      connecting: "Connecting…", online: "Online", reconnecting: "Reconnecting…",
      welcomeTitle: "Hi there!",
      welcome: "Ask us about an order, a delivery, returns or our shops. A person from our team can take over whenever you like.",
      typing: "typing…", conversation: "Conversation", suggested: "Suggested answers",
      bot: "Fernhill assistant", agent: "Agent", agentNamed: "{name} · agent",
      yourMessage: "Your message", write: "Write a message…", send: "Send",
      sendHint: "Enter sends; Shift+Enter starts a new line.",
      notSent: "Not sent", unreachable: "Can't reach Fernhill right now. Please try again.",
      notSentBecause: "Your message wasn't sent: {reason}",
      contactTitle: "How can our team reach you?",
      contactHint: "Optional. If you leave before a colleague answers, we'll write to you there.",
      yourName: "Your name", contactField: "E-mail or Telegram username",
      contactExample: "name@example.com or @name", save: "Save", noThanks: "No thanks",
      change: "Change",
      contactMissing: "Leave a name, an e-mail address or a Telegram username, or choose No thanks.",
      notSaved: "Not saved: {reason}.",
      willReach: "We'll reach you at {contact} if you leave before we answer.",
      willReachNamed: "{name}, we'll reach you at {contact} if you leave before we answer.",
    },
    fr: {
      connecting: "Connexion…", online: "En ligne", reconnecting: "Reconnexion…",
      welcomeTitle: "Bonjour !",
      welcome: "Posez-nous vos questions sur une commande, une livraison, un retour ou nos boutiques. Une personne de notre équipe peut prendre le relais quand vous le souhaitez.",
      typing: "en train d'écrire…", conversation: "Conversation", suggested: "Réponses suggérées",
      bot: "Assistant Fernhill", agent: "Conseiller", agentNamed: "{name} · conseiller",
      yourMessage: "Votre message", write: "Écrivez un message…", send: "Envoyer",
      sendHint: "Entrée envoie ; Maj+Entrée passe à la ligne.",
      notSent: "Non envoyé", unreachable: "Impossible de joindre Fernhill pour le moment. Réessayez.",
      notSentBecause: "Votre message n'a pas été envoyé : {reason}",
      contactTitle: "Comment notre équipe peut-elle vous joindre ?",
      contactHint: "Facultatif. Si vous partez avant qu'un collègue réponde, nous vous écrirons là.",
      yourName: "Votre nom", contactField: "E-mail ou nom d'utilisateur Telegram",
      contactExample: "nom@exemple.fr ou @nom", save: "Enregistrer", noThanks: "Non merci",
      change: "Modifier",
      contactMissing: "Laissez un nom, une adresse e-mail ou un nom d'utilisateur Telegram, ou choisissez Non merci.",
      notSaved: "Non enregistré : {reason}.",
      willReach: "Nous vous écrirons à {contact} si vous partez avant notre réponse.",
      willReachNamed: "{name}, nous vous écrirons à {contact} si vous partez avant notre réponse.",
    },
    es: {
      connecting: "Conectando…", online: "En línea", reconnecting: "Reconectando…",
      welcomeTitle: "¡Hola!",
      welcome: "Pregúntanos por un pedido, una entrega, una devolución o nuestras tiendas. Una persona de nuestro equipo puede atenderte cuando quieras.",
      typing: "escribiendo…", conversation: "Conversación", suggested: "Respuestas sugeridas",
      bot: "Asistente de Fernhill", agent: "Agente", agentNamed: "{name} · agente",
      yourMessage: "Tu mensaje", write: "Escribe un mensaje…", send: "Enviar",
      sendHint: "Intro envía; Mayús+Intro empieza una línea nueva.",
      notSent: "No enviado", unreachable: "Ahora no podemos conectar con Fernhill. Inténtalo de nuevo.",
      notSentBecause: "Tu mensaje no se envió: {reason}",
      contactTitle: "¿Cómo puede contactarte nuestro equipo?",
      contactHint: "Opcional. Si te vas antes de que responda un compañero, te escribiremos allí.",
      yourName: "Tu nombre", contactField: "Correo o usuario de Telegram",
      contactExample: "nombre@ejemplo.es o @nombre", save: "Guardar", noThanks: "No, gracias",
      change: "Cambiar",
      contactMissing: "Deja un nombre, un correo o un usuario de Telegram, o elige No, gracias.",
      notSaved: "No se guardó: {reason}.",
      willReach: "Te escribiremos a {contact} si te vas antes de que respondamos.",
      willReachNamed: "{name}, te escribiremos a {contact} si te vas antes de que respondamos.",
    },
    de: {
      connecting: "Verbinden…", online: "Online", reconnecting: "Neu verbinden…",
      welcomeTitle: "Hallo!",
      welcome: "Fragen Sie uns zu einer Bestellung, einer Lieferung, Rücksendungen oder unseren Läden. Eine Person aus unserem Team übernimmt, wann immer Sie möchten.",
      typing: "schreibt…", conversation: "Unterhaltung", suggested: "Antwortvorschläge",
      bot: "Fernhill-Assistent", agent: "Mitarbeiter", agentNamed: "{name} · Kundenservice",
      yourMessage: "Ihre Nachricht", write: "Nachricht schreiben…", send: "Senden",
      sendHint: "Enter sendet; Umschalt+Enter beginnt eine neue Zeile.",
      notSent: "Nicht gesendet", unreachable: "Fernhill ist gerade nicht erreichbar. Bitte versuchen Sie es noch einmal.",
      notSentBecause: "Ihre Nachricht wurde nicht gesendet: {reason}",
      contactTitle: "Wie erreicht Sie unser Team?",
      contactHint: "Freiwillig. Wenn Sie gehen, bevor jemand antwortet, schreiben wir Ihnen dort.",
      yourName: "Ihr Name", contactField: "E-Mail oder Telegram-Benutzername",
      contactExample: "name@beispiel.de oder @name", save: "Speichern", noThanks: "Nein danke",
      change: "Ändern",
      contactMissing: "Hinterlassen Sie einen Namen, eine E-Mail-Adresse oder einen Telegram-Benutzernamen, oder wählen Sie Nein danke.",
      notSaved: "Nicht gespeichert: {reason}.",
      willReach: "Wir schreiben Ihnen an {contact}, falls Sie gehen, bevor wir antworten.",
      willReachNamed: "{name}, wir schreiben Ihnen an {contact}, falls Sie gehen, bevor wir antworten.",
    },
    it: {
      connecting: "Connessione…", online: "Online", reconnecting: "Riconnessione…",
      welcomeTitle: "Ciao!",
      welcome: "Chiedici di un ordine, di una consegna, dei resi o dei nostri negozi. Una persona del nostro team può subentrare quando vuoi.",
      typing: "sta scrivendo…", conversation: "Conversazione", suggested: "Risposte suggerite",
      bot: "Assistente Fernhill", agent: "Operatore", agentNamed: "{name} · operatore",
      yourMessage: "Il tuo messaggio", write: "Scrivi un messaggio…", send: "Invia",
      sendHint: "Invio spedisce; Maiusc+Invio va a capo.",
      notSent: "Non inviato", unreachable: "Al momento non riusciamo a raggiungere Fernhill. Riprova.",
      notSentBecause: "Il tuo messaggio non è stato inviato: {reason}",
      contactTitle: "Come può contattarti il nostro team?",
      contactHint: "Facoltativo. Se esci prima che un collega risponda, ti scriveremo lì.",
      yourName: "Il tuo nome", contactField: "E-mail o nome utente Telegram",
      contactExample: "nome@esempio.it o @nome", save: "Salva", noThanks: "No, grazie",
      change: "Modifica",
      contactMissing: "Lascia un nome, un indirizzo e-mail o un nome utente Telegram, oppure scegli No, grazie.",
      notSaved: "Non salvato: {reason}.",
      willReach: "Ti scriveremo a {contact} se esci prima della nostra risposta.",
      willReachNamed: "{name}, ti scriveremo a {contact} se esci prima della nostra risposta.",
    },
  };

  let language = "en";

  function known(tag) {
    const primary = String(tag || "").toLowerCase().split("-")[0];
    return Object.hasOwn(WORDS, primary) ? primary : null;
  }

  /** A phrase in the page's language, with `{name}` placeholders filled from `values`. */
  function say(key, values = {}) {
    const phrase = WORDS[language][key] ?? WORDS.en[key] ?? key;
    return phrase.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  }

  /** Show the page in `tag`'s language, if it is one of the page's (else keep the current). */
  function use(tag) {
    const chosen = known(tag);
    if (chosen === null) return;
    language = chosen;
    document.documentElement.lang = chosen;
    for (const node of document.querySelectorAll("[data-text]")) node.textContent = say(node.dataset.text);
    for (const node of document.querySelectorAll("[data-text-placeholder]")) {
      node.placeholder = say(node.dataset.textPlaceholder);
    }
    for (const node of document.querySelectorAll("[data-text-label]")) {
      node.setAttribute("aria-label", say(node.dataset.textLabel));
    }
    document.dispatchEvent(new CustomEvent("chat:language", { detail: { language } }));
  }

  // Deferred, and first of the page's scripts: the page is parsed, nothing shown yet.
  const browser = (navigator.languages ?? [navigator.language]).map(known).find(Boolean);
  if (browser) use(browser);

  return { say, use, get language() { return language; } };
})();
