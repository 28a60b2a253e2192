"""testing layer of workshop-tui."""
