"""Hand-over to 115 agents: the record the bot writes when a person takes over, callbacks,
the agents who may read them, the audit log and data protection (retention, export, delete).

- `handover.domain`: records, reasons, the German summary, phone masking, hotline hours
- `handover.port`: `HandoverPort` (what the actions write through) and its in-memory fake
- `handover.store`: the SQLAlchemy store (port + what the agent console reads)
- `handover.retention`: deletes what is past the retention period
- `python -m handover ...`: add agents and API tokens, run retention, export/delete by phone
See docs/handover.md.
"""
