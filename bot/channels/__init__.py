"""Channel adapters, one module each, registered by name."""

from bot.channels import rest, webchat
from bot.channels.base import CHANNELS, ChannelAdapter, register

__all__ = ["CHANNELS", "ChannelAdapter", "register", "rest", "webchat"]
