"""Parse lines of text with the trained Rasa model; runs in the Rasa environment.

    .venv-rasa/bin/python eval/nlu/parse_texts.py MODEL < texts.txt > parses.jsonl

One JSON object per input line: {"text", "intent", "confidence", "entities": [{"entity", "value"}]}.
Used by eval/nlu/free_answers.py (which runs in the project's own environment).
"""
import asyncio
import json
import logging
import sys


async def main(model: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    for line in sys.stdin:
        text = line.rstrip("\n")
        parsed = await agent.parse_message(text)
        print(json.dumps({
            "text": text,
            "intent": parsed["intent"]["name"],
            "confidence": round(float(parsed["intent"]["confidence"]), 3),
            "entities": [{"entity": e["entity"], "value": e["value"]} for e in parsed["entities"]],
        }, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    asyncio.run(main(sys.argv[1]))
