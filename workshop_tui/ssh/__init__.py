"""ssh layer of workshop-tui."""
