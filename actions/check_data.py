"""Validate the data files the way the action server does at start-up: the schemas, every
fact's evidence found in its source article (seeds/, or BOT_SEEDS_DIR), no drug dose in a
fact's text, and the word lists that tell foreign messages apart.

Usage: python -m actions.check_data   (exit status 1 and one line naming the problem)
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from .knowledge import KNOWLEDGE
    except ImportError as err:
        print(f"Data check failed: {err}", file=sys.stderr)
        return 1
    facts = KNOWLEDGE.facts.facts
    exercises = sum(1 for f in facts if f.exercise)
    sources = len({f.source for f in facts})
    excerpts = sum(len(f.evidence) for f in facts)
    foreign = KNOWLEDGE.foreign_words
    print(
        f"Data check passed: {len(facts)} facts ({exercises} exercises) from {sources} sources, "
        f"{excerpts} evidence excerpts found in their articles, no drug dose; "
        f"{len(foreign.words)} foreign words of {len(foreign.languages)} languages"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
