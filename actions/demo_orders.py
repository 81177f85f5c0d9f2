"""The demo brand's orders: a small fixed table standing in for an order system."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoOrder:
    """What the bot can say about one order."""

    status: str
    items: str
    carrier: str | None = None
    expected: str | None = None


ORDERS: dict[str, DemoOrder] = {
    "FH-10234": DemoOrder("shipped", "a brass reading lamp", "Parcelway", "Thursday"),
    "FH-10488": DemoOrder("processing", "two linen pillowcases and a king-size duvet"),
    "FH-10512": DemoOrder("delivered", "a set of four stoneware mugs", "Parcelway"),
    "FH-10677": DemoOrder("shipped", "an oak side table", "HomeFreight", "Monday"),
    "FH-10903": DemoOrder("cancelled", "a wool throw"),
    "FH-11020": DemoOrder("returned", "a velvet cushion"),
    "FH-11145": DemoOrder("processing", "a cast-iron casserole dish"),
    "FH-11390": DemoOrder("delivered", "a three-seater sofa", "HomeFreight"),
}


def describe(number: str, order: DemoOrder) -> tuple[str, dict[str, str]]:
    """The domain template that tells an order's status, and the values it needs.

    The words are in `data/domain.yml` (`utter_order_<status>`), in every brand
    language; `{number}`, `{items}`, `{carrier}` and `{expected}` are filled from here.
    """
    values = {
        "number": number,
        "items": order.items,
        "carrier": order.carrier or "",
        "expected": order.expected or "",
    }
    return TEMPLATES.get(order.status, TEMPLATES["returned"]), values


TEMPLATES = {
    "shipped": "utter_order_shipped",
    "processing": "utter_order_processing",
    "delivered": "utter_order_delivered",
    "cancelled": "utter_order_cancelled",
    "returned": "utter_order_returned",
}
