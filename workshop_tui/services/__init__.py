"""services layer of workshop-tui."""
