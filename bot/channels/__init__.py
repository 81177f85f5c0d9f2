"""Channel adapters, one module each, registered by name."""

from bot.channels import rest, telegram, webchat
from bot.channels.base import CHANNELS, ChannelAdapter, register

__all__ = ["CHANNELS", "ChannelAdapter", "register", "rest", "telegram", "webchat"]
