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


def describe(number: str, order: DemoOrder) -> str:
    """One friendly sentence about an order's status."""
    match order.status:
        case "shipped":
            return (
                f"Good news: order {number} ({order.items}) is on its way with "
                f"{order.carrier} and should arrive on {order.expected}."
            )
        case "processing":
            return (
                f"Order {number} ({order.items}) is being packed in our warehouse and "
                "will ship within one working day. You'll get a tracking email then."
            )
        case "delivered":
            return f"Order {number} ({order.items}) was delivered by {order.carrier}. Enjoy!"
        case "cancelled":
            return f"Order {number} ({order.items}) was cancelled and fully refunded."
        case _:
            return (
                f"We've received the return for order {number} ({order.items}); "
                "the refund is issued within 2 working days."
            )
