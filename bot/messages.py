"""The message types live in `core.messages`; these names stay importable here."""

from core.messages import Author, Inbound, Outbound, StoredMessage, Thread

__all__ = ["Author", "Inbound", "Outbound", "StoredMessage", "Thread"]
