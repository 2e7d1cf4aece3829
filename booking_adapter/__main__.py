"""`python -m booking_adapter ...` — see booking_adapter/cli.py."""
from booking_adapter.cli import main

raise SystemExit(main())
