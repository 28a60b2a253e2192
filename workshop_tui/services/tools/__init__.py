"""Vetted built-in tools that models may call."""
