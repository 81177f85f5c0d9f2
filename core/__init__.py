"""The core: domain types, the thread state machine, and the ports the edges implement.

It imports nothing of the project: `handoff` and the channels build on it, and `bot`
(the runtime) puts everything together.
"""
