"""Custom actions, one module per concern. rasa-sdk registers every Action subclass it finds
by walking this package; `actions.server` wires the booking port before serving."""
