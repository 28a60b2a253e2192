"""Command handlers behind `workshop-tui VERB`; cli.py parses, these act."""
