"""domain layer of workshop-tui."""
