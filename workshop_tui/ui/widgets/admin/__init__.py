"""The sections of the Admin place, one widget per file with its CSS beside it."""
