"""Developer scripts (figures of the architecture, set-up)."""
