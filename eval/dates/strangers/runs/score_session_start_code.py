"""Score the session-start code (commit 2054e19, checked out as a worktree at /work/base) on the strangers' blocks, with the old readers standing in for the new ones (how the "before" figures in docs/dates.md were measured)."""
import sys
import types

sys.path.insert(0, "/work/base")
import importlib.util

import german.dates as D

# old equivalents of the new readers

spec = importlib.util.spec_from_file_location("ev", "/work/base/eval/dates/evaluate.py"); ev = importlib.util.module_from_spec(spec); sys.modules["ev"] = ev; spec.loader.exec_module(ev)
sys.modules["eval.dates.evaluate"] = ev
choice_mod = types.ModuleType("german.choice")
from datetime import datetime


class Offer:
    def __init__(self, day, time_, place): self.day, self.time, self.place = day, time_, place
class Choice:
    def __init__(self, kind, index=None): self.kind, self.index, self.candidates = kind, index, ()
def choose(offers, text, now):
    from actions.validation import _choice_index
    entries = [{"time": f"{o.time.hour}:{o.time.minute:02d}"} for o in offers]
    i = _choice_index(text, entries, now)
    return Choice("option", i) if i is not None else Choice("not_a_choice")
choice_mod.Offer, choice_mod.Choice, choice_mod.choose = Offer, Choice, choose
sys.modules["german.choice"] = choice_mod
def read_time(text, now=None):
    w = D.parse_when(text, now or datetime(2026,1,5,12,0,tzinfo=D.BERLIN)); return w.exact_time if w else None
D.read_time = read_time
num = types.ModuleType("german.numbers")
import re


def read_ordinal(text, highest=None):
    from actions.escalation import _DIGIT_WORDS
    t = text.strip().lower(); m = re.fullmatch(r"(?:nummer |option |die |den |das )?(\d+)\.?", t)
    if m: return int(m.group(1))
    ws = [w for w in re.findall(r"[a-zäöüß]+", t) if w in _DIGIT_WORDS]
    return _DIGIT_WORDS[ws[0]] if len(set(ws)) == 1 else None
def read_cardinal(text):
    from text_to_num import alpha2digit
    ds = re.findall(r"\d+", alpha2digit(text.lower(), "de")); return int(ds[0]) if len(ds) == 1 else None
num.read_ordinal, num.read_cardinal = read_ordinal, read_cardinal
sys.modules["german.numbers"] = num
spec = importlib.util.spec_from_file_location("st", "/work/main/eval/dates/strangers.py"); st = importlib.util.module_from_spec(spec); sys.modules["st"] = st
sys.argv = ["x", "--no-others"] + sys.argv[1:]
spec.loader.exec_module(st)
st.main()
