"""The demo brand's orders: a small fixed table standing in for an order system.

What an order holds is told in the customer's language: the items are written in
each of the demo brand's languages, the expected day is a weekday named in them.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "en"
WEEKDAYS = {  # Monday first
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
}
MONDAY, THURSDAY = 0, 3


@dataclass(frozen=True)
class DemoOrder:
    """What the bot can say about one order."""

    status: str
    items: dict[str, str]  # by language
    carrier: str | None = None
    expected: int | None = None  # the weekday it should arrive (Monday is 0)

    def items_in(self, language: str) -> str:
        """The items in `language` (the default language's words if it has none)."""
        return self.items.get(language) or self.items[DEFAULT_LANGUAGE]

    def expected_in(self, language: str) -> str:
        """The expected weekday's name in `language`, or "" when there is none."""
        if self.expected is None:
            return ""
        return WEEKDAYS.get(language, WEEKDAYS[DEFAULT_LANGUAGE])[self.expected]


ORDERS: dict[str, DemoOrder] = {
    "FH-10234": DemoOrder(
        "shipped",
        {"en": "a brass reading lamp", "fr": "une lampe de lecture en laiton",
         "es": "una lámpara de lectura de latón", "de": "eine Leselampe aus Messing",
         "it": "una lampada da lettura in ottone"},
        "Parcelway",
        THURSDAY,
    ),
    "FH-10488": DemoOrder(
        "processing",
        {"en": "two linen pillowcases and a king-size duvet",
         "fr": "deux taies d'oreiller en lin et une couette king size",
         "es": "dos fundas de almohada de lino y un edredón extragrande",
         "de": "zwei Kissenbezüge aus Leinen und eine Bettdecke in Übergröße",
         "it": "due federe di lino e un piumone king size"},
    ),
    "FH-10512": DemoOrder(
        "delivered",
        {"en": "a set of four stoneware mugs", "fr": "un lot de quatre tasses en grès",
         "es": "un juego de cuatro tazas de gres", "de": "ein Set aus vier Steingutbechern",
         "it": "un set di quattro tazze in gres"},
        "Parcelway",
    ),
    "FH-10677": DemoOrder(
        "shipped",
        {"en": "an oak side table", "fr": "une table d'appoint en chêne",
         "es": "una mesa auxiliar de roble", "de": "ein Beistelltisch aus Eiche",
         "it": "un tavolino in rovere"},
        "HomeFreight",
        MONDAY,
    ),
    "FH-10903": DemoOrder(
        "cancelled",
        {"en": "a wool throw", "fr": "un plaid en laine", "es": "una manta de lana",
         "de": "eine Wolldecke", "it": "un plaid di lana"},
    ),
    "FH-11020": DemoOrder(
        "returned",
        {"en": "a velvet cushion", "fr": "un coussin en velours",
         "es": "un cojín de terciopelo", "de": "ein Samtkissen", "it": "un cuscino di velluto"},
    ),
    "FH-11145": DemoOrder(
        "processing",
        {"en": "a cast-iron casserole dish", "fr": "une cocotte en fonte",
         "es": "una cazuela de hierro fundido", "de": "ein gusseiserner Schmortopf",
         "it": "una casseruola in ghisa"},
    ),
    "FH-11390": DemoOrder(
        "delivered",
        {"en": "a three-seater sofa", "fr": "un canapé trois places",
         "es": "un sofá de tres plazas", "de": "ein Dreisitzer-Sofa",
         "it": "un divano a tre posti"},
        "HomeFreight",
    ),
}  # fmt: skip


def describe(number: str, order: DemoOrder, language: str) -> tuple[str, dict[str, str]]:
    """The domain template that tells an order's status, and the values it needs.

    The words are in `data/domain.yml` (`utter_order_<status>`), in every brand
    language; `{number}`, `{items}`, `{carrier}` and `{expected}` are filled from
    here, in the customer's `language`.
    """
    values = {
        "number": number,
        "items": order.items_in(language),
        "carrier": order.carrier or "",
        "expected": order.expected_in(language),
    }
    return TEMPLATES.get(order.status, TEMPLATES["returned"]), values


TEMPLATES = {
    "shipped": "utter_order_shipped",
    "processing": "utter_order_processing",
    "delivered": "utter_order_delivered",
    "cancelled": "utter_order_cancelled",
    "returned": "utter_order_returned",
}
