"""bot/rasa_server.py in the Rasa environment (Python 3.10): `make test-rasa` runs these with
the standard library's unittest, so the Rasa lock file needs no test runner."""
from __future__ import annotations

import copy
import unittest

from jsonschema import ValidationError, validate

from bot import rasa_server

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "location", "value": "altona", "timestamp": None}],
     "responses": [{"response": "utter_ask_location"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_x"}]},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event without a name
    {"events": [{"event": "no_such_event"}]},
    {"responses": "not a list"},
    {"responses": ["not an object"]},
    ["not", "an", "object"],
]


def original_outcome(reply):
    """What Rasa's unpatched check does: jsonschema.validate on the same schema."""
    from rasa.core.actions.action import RemoteAction

    try:
        validate(copy.deepcopy(reply), RemoteAction.action_response_format_spec())
        return None
    except ValidationError as error:
        return error.message


class PatchedValidationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from rasa.core.actions.action import RemoteAction

        rasa_server.install()
        cls.action = RemoteAction("action_test", None)

    def test_valid_replies_pass(self):
        for reply in VALID:
            with self.subTest(reply=reply):
                self.assertIsNone(original_outcome(reply))
                self.assertTrue(self.action._validate_action_result(reply))

    def test_invalid_replies_raise_the_same_error_as_rasa(self):
        for reply in INVALID:
            with self.subTest(reply=reply):
                expected = original_outcome(reply)
                self.assertIsNotNone(expected, "the corpus entry must be invalid for Rasa too")
                with self.assertRaises(ValidationError) as caught:
                    self.action._validate_action_result(reply)
                self.assertTrue(caught.exception.message.startswith(expected))
                self.assertIn("Failed to validate Action server response", caught.exception.message)

    def test_the_method_is_replaced(self):
        from rasa.core.actions.action import RemoteAction

        self.assertEqual(RemoteAction._validate_action_result.__module__, "bot.rasa_server")


class CachedValidatorTest(unittest.TestCase):
    def test_schema_is_read_and_checked_once(self):
        calls = []

        def schema_of():
            calls.append(1)
            return {"type": "object", "properties": {"n": {"type": "integer"}}}

        get = rasa_server.cached_validator(schema_of)
        first, second = get(), get()
        self.assertIs(first, second)
        self.assertEqual(len(calls), 1)
        self.assertTrue(first.is_valid({"n": 1}))
        self.assertFalse(first.is_valid({"n": "x"}))

    def test_a_broken_schema_is_refused(self):
        from jsonschema.exceptions import SchemaError

        get = rasa_server.cached_validator(lambda: {"type": "no such type"})
        with self.assertRaises(SchemaError):
            get()


if __name__ == "__main__":
    unittest.main()
