"""workshop-tui: run hands-on local-LLM workshops on Ollama from a terminal."""

__version__ = "0.1.0"
