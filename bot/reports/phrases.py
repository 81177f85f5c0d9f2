"""Customers' messages for the seeded store and the simulated day, written for this project.

Four kinds, in English, German, French and Spanish: routine questions the bot answers,
frustration, complaints about one of five topics, and requests for a person.
"""

from __future__ import annotations

import random

LANGUAGES = ("en", "de", "fr", "es")
LANGUAGE_WEIGHTS = (0.6, 0.15, 0.15, 0.1)
TOPICS = ("delivery", "refund", "damaged", "billing", "account")
TEAM_OF_TOPIC = {"billing": "billing", "refund": "billing"}

ROUTINE = {
    "en": [
        "What are your opening hours?",
        "How do I track my order?",
        "Do you ship to Ireland?",
        "Can I change the delivery address?",
        "How long does a return take?",
        "hi there",
        "thanks, that helps",
    ],
    "de": ["Wie lange dauert der Versand?", "Hallo!", "Kann ich online bezahlen?"],
    "fr": ["Bonjour !", "Quels sont vos horaires ?", "Comment suivre ma commande ?"],
    "es": ["¡Hola!", "¿Cuánto tarda el envío?", "¿Puedo pagar con tarjeta?"],
}
FRUSTRATED = {
    "en": [
        "This is the third time I'm asking and nobody answers properly",
        "you are not understanding me AT ALL",
        "I've been going round in circles with this bot for twenty minutes",
    ],
    "de": ["Das ist jetzt das dritte Mal, dass ich frage!!!"],
    "fr": ["Ça fait trois fois que je pose la même question !!!"],
    "es": ["¡Ya es la tercera vez que pregunto lo mismo!"],
}
HUMAN = {
    "en": ["I want to talk to a real person", "Can I speak to someone from your team?"],
    "de": ["Ich möchte mit einem Menschen sprechen"],
    "fr": ["Je veux parler à un conseiller"],
    "es": ["Quiero hablar con una persona"],
}
COMPLAINTS = {
    "delivery": {
        "en": [
            "My parcel was due on Monday and it still hasn't arrived",
            "The delivery is a week late and the tracking page has not moved",
            "The courier says delivered but there is no parcel at my door",
        ],
        "de": ["Mein Paket sollte am Montag kommen und ist immer noch nicht da"],
        "fr": ["Mon colis devait arriver lundi et il n'est toujours pas là"],
        "es": ["Mi paquete tenía que llegar el lunes y todavía no ha llegado"],
    },
    "refund": {
        "en": [
            "I returned the sofa a month ago and I'm still waiting for my refund",
            "You promised a refund within five days, it has been three weeks",
            "Where is my refund? The return was accepted ages ago",
        ],
        "de": ["Ich warte seit einem Monat auf meine Rückerstattung"],
        "fr": ["J'attends mon remboursement depuis un mois"],
        "es": ["Llevo un mes esperando el reembolso"],
    },
    "damaged": {
        "en": [
            "The lamp arrived broken, the glass shade is in pieces",
            "The table came with a deep scratch across the top",
            "Two legs of the chair were snapped when I opened the box",
        ],
        "de": ["Die Lampe kam kaputt an, der Schirm ist zerbrochen"],
        "fr": ["La lampe est arrivée cassée, l'abat-jour est en morceaux"],
        "es": ["La lámpara llegó rota, la pantalla está hecha pedazos"],
    },
    "billing": {
        "en": [
            "I was charged twice for the same order",
            "There is a payment on my card that I never made",
            "The invoice shows a higher price than the one on your website",
        ],
        "de": ["Mir wurde die gleiche Bestellung zweimal berechnet"],
        "fr": ["On m'a facturé deux fois la même commande"],
        "es": ["Me han cobrado dos veces el mismo pedido"],
    },
    "account": {
        "en": [
            "I can't log in to my account since the password reset",
            "My account was locked and the reset email never arrives",
            "Someone changed the email address on my account",
        ],
        "de": ["Ich kann mich seit dem Zurücksetzen des Passworts nicht anmelden"],
        "fr": ["Je n'arrive plus à me connecter à mon compte depuis hier"],
        "es": ["No puedo entrar en mi cuenta desde que cambié la contraseña"],
    },
}
AGENT_REPLIES = [
    "I'm sorry about this, let me look into it right away.",
    "Thanks for your patience, I can see what happened.",
    "I've sorted it out on our side; you'll get a confirmation by email.",
    "Is there anything else I can help you with today?",
]
PUBLIC_OPENERS = ("@fernhill ", "Fernhill, ")
FOLLOW_UP = {  # the first private message of a customer who followed a public answer's link
    "en": ["Hi, I'm the one who wrote under your post. Here are the details.",
           "Following your link: my order number is FH-20417."],
    "de": ["Hallo, ich habe unter Ihrem Beitrag geschrieben. Hier die Einzelheiten."],
    "fr": ["Bonjour, c'est moi qui ai écrit sous votre publication. Voici les détails."],
    "es": ["Hola, soy quien escribió en su publicación. Aquí van los detalles."],
}  # fmt: skip


def pick(rng: random.Random, table: dict[str, list[str]], language: str) -> str:
    """A sentence of the table in `language`, English when it has none."""
    return rng.choice(table.get(language) or table["en"])


def complaint(rng: random.Random, topic: str, language: str) -> str:
    """A complaint about `topic`."""
    return pick(rng, COMPLAINTS[topic], language)
