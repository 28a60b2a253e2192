"""ui layer of workshop-tui."""
