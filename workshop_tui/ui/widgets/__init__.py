"""Widgets of the workshop-tui app."""
