# These tests run in the Rasa environment (`make test-rasa`, unittest); pytest in the app's
# environment has no Rasa to import, so it leaves this folder alone.
import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("rasa") else ["test_*.py"]
