"""Built-in texts for the handoff's notices, for a domain that does not define them.

A rasa project written before this framework (or for another one) has none of the
`utter_handoff_*` templates; the handoff still has to tell the customer what is
happening, so these plain, brand-neutral texts stand in, with a warning at start-up
and from `validate`. Copy them into the domain's `responses:` to make them the
brand's own. `{placeholders}` are filled in by the framework.
"""

from __future__ import annotations

DEFAULT_TEXTS: dict[str, str] = {
    "utter_handoff_assigned": "{agent} from our team is taking over and will reply here shortly.",
    "utter_handoff_queued": (
        "All our colleagues are busy right now. You're number {position} in the queue; "
        "the wait is about {wait}. A colleague will answer in this chat."
    ),
    "utter_handoff_closed": (
        "Our team is away at the moment; someone will reply {opening}. "
        "Leave your message here and it won't be missed."
    ),
    "utter_handoff_unstaffed": (
        "No colleague is free just now, but your conversation is saved and the next one "
        "who is will reply here."
    ),
    "utter_handoff_leave_contact": (
        "If you'd like us to get back to you, leave your e-mail address or Telegram username here, "
        "and a colleague will write to you as soon as they're back."
    ),
    "utter_handoff_contact_saved": (
        "Thank you! We'll get back to you at {contact} as soon as a colleague is back."
    ),
    "utter_handoff_transferred": "{agent} is taking over your conversation now.",
    "utter_handoff_delay": (
        "Sorry for the wait, we haven't forgotten you. I'm finding the next free colleague."
    ),
    "utter_handed_back": (
        "{agent} has handed you back to me, the automated assistant. What else can I help with?"
    ),
    "utter_handoff_resolved": (
        "{agent} has marked this as resolved. How would you rate the help you got, "
        "from 1 (poor) to 5 (excellent)?"
    ),
    "utter_rating_thanks": "Thank you for your rating! It helps us get better.",
    "utter_public_complaint": (
        "We're sorry to read this and want to put it right. Please message us privately "
        "so a colleague can look into the details with you: {link}"
    ),
    "utter_non_text": (
        "Thanks for the {kind}! I can only read text: could you tell me in a few words "
        "what you need?"
    ),
    "utter_command_start": (
        "Hello! Ask me your question in your own words, or ask for a person at any time."
    ),
    "utter_command_help": (
        "Write your question in your own words. To talk to a person, say so and a "
        "colleague will reply in this chat."
    ),
    "utter_handoff_bot_failed": (
        "Sorry, something went wrong on my side and I can't finish this myself. I'm "
        "passing you to a colleague."
    ),
    "utter_handoff_still_queued": (
        "Thanks, we have your message. You're now number {position} in the queue; the "
        "wait is about {wait}."
    ),
}

# The same notices in the other languages the framework ships texts for; a brand
# language without them gets the English ones above.
DEFAULT_TRANSLATIONS: dict[str, dict[str, str]] = {
    "fr": {
        "utter_handoff_leave_contact": (
            "Si vous souhaitez que nous revenions vers vous, laissez ici votre adresse e-mail ou "
            "votre nom d'utilisateur Telegram : un collègue vous écrira dès son retour."
        ),
        "utter_handoff_contact_saved": (
            "Merci ! Nous vous recontacterons à {contact} dès qu'un collègue sera de retour."
        ),
        "utter_handoff_assigned": (
            "{agent}, de notre équipe, prend le relais et vous répondra ici très vite."
        ),
        "utter_handoff_queued": (
            "Tous nos collègues sont occupés pour le moment. Vous êtes en position {position} "
            "dans la file (attente estimée : {wait}). Un collègue vous répondra dans ce chat."
        ),
        "utter_handoff_closed": (
            "Notre équipe est absente pour le moment ; nous vous répondrons {opening}. "
            "Laissez votre message ici, il ne sera pas oublié."
        ),
        "utter_handoff_unstaffed": (
            "Aucun collègue n'est libre à l'instant, mais votre conversation est enregistrée "
            "et le prochain disponible vous répondra ici."
        ),
        "utter_handoff_transferred": "{agent} prend maintenant le relais de votre conversation.",
        "utter_handoff_delay": (
            "Désolé pour l'attente, nous ne vous oublions pas. Je cherche le prochain collègue "
            "disponible."
        ),
        "utter_handed_back": (
            "{agent} vous a redirigé vers moi, l'assistant automatique. Que puis-je faire "
            "d'autre pour vous ?"
        ),
        "utter_handoff_resolved": (
            "{agent} a indiqué que votre demande est résolue. Quelle note donneriez-vous à "
            "l'aide reçue, de 1 (mauvaise) à 5 (excellente) ?"
        ),
        "utter_rating_thanks": "Merci pour votre note ! Elle nous aide à nous améliorer.",
        "utter_public_complaint": (
            "Nous sommes désolés de lire cela et voulons arranger les choses. Écrivez-nous en "
            "privé pour qu'un collègue regarde les détails avec vous : {link}"
        ),
        "utter_non_text": (
            "Merci pour votre envoi ! Je ne lis que le texte : pourriez-vous me dire en "
            "quelques mots ce dont vous avez besoin ?"
        ),
        "utter_command_start": (
            "Bonjour ! Posez votre question avec vos mots, ou demandez une personne à tout moment."
        ),
        "utter_command_help": (
            "Écrivez votre question avec vos mots. Pour parler à une personne, dites-le et un "
            "collègue vous répondra dans ce chat."
        ),
        "utter_handoff_bot_failed": (
            "Désolé, un problème de mon côté m'empêche de terminer. Je vous passe à un collègue."
        ),
        "utter_handoff_still_queued": (
            "Merci, nous avons bien votre message. Vous êtes maintenant en position {position} "
            "dans la file (attente estimée : {wait})."
        ),
    },
    "es": {
        "utter_handoff_leave_contact": (
            "Si quieres que te contactemos, deja aquí tu correo electrónico o tu usuario de "
            "Telegram y un compañero te escribirá en cuanto vuelva."
        ),
        "utter_handoff_contact_saved": (
            "¡Gracias! Te escribiremos a {contact} en cuanto vuelva un compañero."
        ),
        "utter_handoff_assigned": (
            "{agent}, de nuestro equipo, se encarga y te responderá aquí enseguida."
        ),
        "utter_handoff_queued": (
            "Ahora mismo todos nuestros compañeros están ocupados. Eres el número {position} en "
            "la cola (espera estimada: {wait}). Un compañero te responderá en este chat."
        ),
        "utter_handoff_closed": (
            "Nuestro equipo no está disponible ahora mismo; te responderemos {opening}. "
            "Deja tu mensaje aquí y no se perderá."
        ),
        "utter_handoff_unstaffed": (
            "Ahora mismo no hay ningún compañero libre, pero tu conversación está guardada y el "
            "próximo que quede libre te responderá aquí."
        ),
        "utter_handoff_transferred": "{agent} se encarga ahora de tu conversación.",
        "utter_handoff_delay": (
            "Perdona la espera, no nos hemos olvidado de ti. Estoy buscando al próximo "
            "compañero libre."
        ),
        "utter_handed_back": (
            "{agent} te ha devuelto a mí, el asistente automático. ¿En qué más puedo ayudarte?"
        ),
        "utter_handoff_resolved": (
            "{agent} ha marcado tu consulta como resuelta. ¿Qué nota le das a la ayuda "
            "recibida, del 1 (mala) al 5 (excelente)?"
        ),
        "utter_rating_thanks": "¡Gracias por tu valoración! Nos ayuda a mejorar.",
        "utter_public_complaint": (
            "Sentimos mucho leer esto y queremos solucionarlo. Escríbenos por privado para que "
            "un compañero revise los detalles contigo: {link}"
        ),
        "utter_non_text": (
            "¡Gracias por el archivo! Solo entiendo mensajes escritos: ¿me cuentas en pocas "
            "palabras qué necesitas?"
        ),
        "utter_command_start": (
            "¡Hola! Escribe tu pregunta con tus propias palabras, o pide hablar con una persona "
            "cuando quieras."
        ),
        "utter_command_help": (
            "Escribe tu pregunta con tus propias palabras. Para hablar con una persona, dilo y "
            "un compañero te responderá en este chat."
        ),
        "utter_handoff_bot_failed": (
            "Lo siento, algo ha fallado por mi parte y no puedo terminarlo yo. Te paso con un "
            "compañero."
        ),
        "utter_handoff_still_queued": (
            "Gracias, tenemos tu mensaje. Ahora eres el número {position} en la cola "
            "(espera estimada: {wait})."
        ),
    },
    "de": {
        "utter_handoff_leave_contact": (
            "Wenn wir uns bei Ihnen melden sollen, hinterlassen Sie hier Ihre E-Mail-Adresse oder "
            "Ihren Telegram-Benutzernamen: Sobald jemand aus dem Team zurück ist, schreiben wir "
            "Ihnen."
        ),
        "utter_handoff_contact_saved": (
            "Danke! Wir melden uns unter {contact}, sobald jemand aus dem Team zurück ist."
        ),
        "utter_handoff_assigned": (
            "{agent} aus unserem Team übernimmt und antwortet Ihnen hier in Kürze."
        ),
        "utter_handoff_queued": (
            "Gerade sind alle Kolleginnen und Kollegen beschäftigt. Sie sind Nummer {position} "
            "in der Warteschlange (geschätzte Wartezeit: {wait}). Wir antworten in diesem Chat."
        ),
        "utter_handoff_closed": (
            "Unser Team ist gerade nicht da; wir antworten {opening}. "
            "Hinterlassen Sie Ihre Nachricht hier, sie geht nicht verloren."
        ),
        "utter_handoff_unstaffed": (
            "Gerade ist niemand frei, aber Ihr Gespräch ist gespeichert: Wer als Nächstes frei "
            "ist, antwortet Ihnen hier."
        ),
        "utter_handoff_transferred": "{agent} übernimmt jetzt Ihr Gespräch.",
        "utter_handoff_delay": (
            "Entschuldigen Sie die Wartezeit, wir haben Sie nicht vergessen. Ich suche die "
            "nächste freie Person aus unserem Team."
        ),
        "utter_handed_back": (
            "{agent} hat Sie an mich, den automatischen Assistenten, zurückgegeben. Wobei kann "
            "ich noch helfen?"
        ),
        "utter_handoff_resolved": (
            "{agent} hat Ihr Anliegen als gelöst markiert. Wie bewerten Sie die Hilfe, von 1 "
            "(schlecht) bis 5 (ausgezeichnet)?"
        ),
        "utter_rating_thanks": "Danke für Ihre Bewertung! Sie hilft uns, besser zu werden.",
        "utter_public_complaint": (
            "Es tut uns sehr leid, das zu lesen, und wir möchten es wiedergutmachen. Schreiben "
            "Sie uns bitte privat, damit sich jemand die Details mit Ihnen ansieht: {link}"
        ),
        "utter_non_text": (
            "Danke für Ihre Nachricht! Ich verstehe nur Text: Können Sie mir in ein paar Worten "
            "schreiben, was Sie brauchen?"
        ),
        "utter_command_start": (
            "Hallo! Stellen Sie Ihre Frage in eigenen Worten, oder verlangen Sie jederzeit "
            "einen Menschen."
        ),
        "utter_command_help": (
            "Schreiben Sie Ihre Frage in eigenen Worten. Möchten Sie einen Menschen sprechen, "
            "sagen Sie es, und jemand aus dem Team antwortet in diesem Chat."
        ),
        "utter_handoff_bot_failed": (
            "Entschuldigung, bei mir ist etwas schiefgegangen, und ich kann das nicht selbst "
            "abschließen. Ich gebe Sie an jemanden aus dem Team weiter."
        ),
        "utter_handoff_still_queued": (
            "Danke, Ihre Nachricht ist angekommen. Sie sind jetzt Nummer {position} in "
            "der Warteschlange (geschätzte Wartezeit: {wait})."
        ),
    },
    "it": {
        "utter_handoff_leave_contact": (
            "Se vuoi che ti ricontattiamo, lascia qui il tuo indirizzo e-mail o il tuo nome utente "
            "Telegram: un collega ti scriverà appena torna."
        ),
        "utter_handoff_contact_saved": (
            "Grazie! Ti scriveremo a {contact} appena torna un collega."
        ),
        "utter_handoff_assigned": (
            "{agent} del nostro team prende in carico la conversazione e ti risponderà qui a breve."
        ),
        "utter_handoff_queued": (
            "In questo momento tutti i colleghi sono occupati. Sei il numero {position} in coda "
            "(attesa stimata: {wait}). Un collega ti risponderà in questa chat."
        ),
        "utter_handoff_closed": (
            "Il nostro team al momento non è disponibile; ti risponderemo {opening}. "
            "Lascia qui il tuo messaggio, non andrà perso."
        ),
        "utter_handoff_unstaffed": (
            "In questo momento nessun collega è libero, ma la tua conversazione è salvata e il "
            "primo che si libera ti risponderà qui."
        ),
        "utter_handoff_transferred": "Da adesso {agent} segue la tua conversazione.",
        "utter_handoff_delay": (
            "Scusa per l'attesa, non ci siamo dimenticati di te. Sto cercando il prossimo "
            "collega libero."
        ),
        "utter_handed_back": (
            "{agent} ti ha riaffidato a me, l'assistente automatico. In cos'altro posso aiutarti?"
        ),
        "utter_handoff_resolved": (
            "{agent} ha segnato la tua richiesta come risolta. Che voto dai all'aiuto ricevuto, "
            "da 1 (scarso) a 5 (ottimo)?"
        ),
        "utter_rating_thanks": "Grazie per il tuo voto! Ci aiuta a migliorare.",
        "utter_public_complaint": (
            "Ci dispiace molto leggere questo e vogliamo rimediare. Scrivici in privato così un "
            "collega può vedere i dettagli con te: {link}"
        ),
        "utter_non_text": (
            "Grazie per l'invio! Capisco solo i messaggi scritti: mi dici in poche parole di "
            "cosa hai bisogno?"
        ),
        "utter_command_start": (
            "Ciao! Scrivi la tua domanda con parole tue, o chiedi una persona quando vuoi."
        ),
        "utter_command_help": (
            "Scrivi la tua domanda con parole tue. Per parlare con una persona, dillo e un "
            "collega ti risponderà in questa chat."
        ),
        "utter_handoff_bot_failed": (
            "Scusa, qualcosa non ha funzionato da parte mia e non riesco a concludere da "
            "solo. Ti passo a un collega."
        ),
        "utter_handoff_still_queued": (
            "Grazie, abbiamo il tuo messaggio. Ora sei il numero {position} in coda "
            "(attesa stimata: {wait})."
        ),
    },
}
