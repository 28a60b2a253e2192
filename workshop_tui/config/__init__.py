"""config layer of workshop-tui."""
