"""Alembic environment of the telephony store (common.migrations runs it with an open connection)."""
from alembic import context

from common.migrations import run_environment

run_environment(context)
