"""Validate the data files the way the action server does at start-up.

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
    print(f"Data check passed: {len(facts)} facts ({exercises} exercises) from {sources} sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
