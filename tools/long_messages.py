"""A message too long to process whole is cut to its sentences about symptoms, so that a red
flag in a pasted history is still triaged (used by the turn guard, tools.turn_guard).

Rasa's NLU on a 100 kB message stalled every patient for 25-40 s; the triage's phrase
matching is linear but pure Python (about 2.5 s per 100 kB), so it runs in one worker process
of its own, started on the first long message: Rasa's event loop, and so every other
patient, never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor

from actions.urgency import Urgency

SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
# A sentence without punctuation (a pasted run-on text) is read in pieces of this many words.
MAX_PIECE_WORDS = 40
TIMEOUT_SECONDS = 30.0

logger = logging.getLogger(__name__)


def pieces(text: str) -> list[str]:
    """The sentences of `text`, long ones split into pieces of at most MAX_PIECE_WORDS."""
    found: list[str] = []
    for match in SENTENCE.finditer(text):
        words = match.group().split()
        for start in range(0, len(words), MAX_PIECE_WORDS):
            found.append(" ".join(words[start : start + MAX_PIECE_WORDS]))
    return found


def symptom_sentences(text: str, limit: int) -> str:
    """The sentences of `text` that name a symptom, in their order, at most `limit`
    characters: the most urgent first when they do not all fit; "" if none names one."""
    from actions.knowledge import KNOWLEDGE

    triage = KNOWLEDGE.triage
    named: list[tuple[int, int, str]] = []  # (-urgency rank, position, sentence)
    # A sentence said again adds nothing (and a paste may repeat one thousands of times).
    for position, sentence in enumerate(dict.fromkeys(pieces(text))):
        assessment = triage.assess(sentence, frozenset(), frozenset())
        if not (assessment.symptoms or assessment.others):
            continue
        asked = (*assessment.asked_rules, *assessment.suspected_rules)
        level = Urgency.highest(
            assessment.level, assessment.bystander_level, *(rule.level for rule in asked)
        )
        named.append((-level.rank, position, sentence))
    picked: list[tuple[int, str]] = []
    size = 0
    for _, position, sentence in sorted(named):
        if size + len(sentence) + 1 <= limit:
            picked.append((position, sentence))
            size += len(sentence) + 1
    return " ".join(sentence for _, sentence in sorted(picked))


class SymptomReader:
    """symptom_sentences in a worker process; `None` when it fails or takes too long."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._pool: ProcessPoolExecutor | None = None

    async def read(self, text: str) -> str | None:
        if self._pool is None:
            # spawn, not fork: Rasa's process holds TensorFlow's threads and locks
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, symptom_sentences, text, self.limit)
        try:
            return await asyncio.wait_for(future, TIMEOUT_SECONDS)
        except Exception as error:  # a broken or slow worker: the patient gets the notice
            reason = "no answer in time" if isinstance(error, asyncio.TimeoutError) else error
            logger.error("Reading a long message's symptoms failed (%s)", reason)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            return None
