"""Handoff: detect who needs a human, route them to a named agent, keep the bot silent.

It builds on `core` only (never on `bot`): the pure parts (`routing`, `hours`,
`detection`) and the services of `handoff.services`, over the store's ports.
"""
