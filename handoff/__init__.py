"""Handoff: detect who needs a human, route them to a named agent, keep the bot silent.

The core is pure (`states`, `routing`, `hours`, `detection`); the service, store and API
around it do the I/O.
"""
