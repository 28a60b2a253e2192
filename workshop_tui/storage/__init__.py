"""storage layer of workshop-tui."""
