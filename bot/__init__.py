"""The Rasa side of the assistant: domain (bot/domain/) and the input channels (runs in .venv-rasa)."""
