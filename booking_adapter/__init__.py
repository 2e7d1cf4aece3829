"""The booking store: the port (port.py), its SQLAlchemy adapter and in-memory fake, the slot
engine, the catalogue in data/*.yml, migrations and the `python -m booking_adapter` command.
Wiring lives in bootstrap.py; nothing here connects to anything at import time."""
