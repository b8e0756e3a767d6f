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

# actions.triage cuts sentences the same way; not imported: this module runs in Rasa's process
SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
# A sentence without punctuation (a pasted run-on text) is read in pieces of this many words.
MAX_PIECE_WORDS = 40
# Reads wait for the one worker in turn: at most this many at once (more are answered with the
# plain "too long" notice), each given TIMEOUT_SECONDS including its wait. The largest body
# Rasa takes (BOT_MAX_REQUEST_BYTES, 256 KiB) reads in about 6 s, 15 s on a loaded machine.
MAX_READS = 3
TIMEOUT_SECONDS = 60.0

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
    characters; "" if none names one. When they do not all fit, first the sentences that
    complete a red flag (the most urgent first; symptoms add up over the sentences, as over
    a conversation's turns), then those naming a symptom for the first time, then the rest."""
    from actions.knowledge import KNOWLEDGE

    triage = KNOWLEDGE.triage
    symptoms: frozenset[str] = frozenset()
    others: frozenset[str] = frozenset()
    named: list[tuple[int, bool, int, str]] = []  # (-urgency rank, repeats, position, text)
    # A sentence said again adds nothing (and a paste may repeat one thousands of times).
    for position, sentence in enumerate(dict.fromkeys(pieces(text))):
        assessment = triage.assess(sentence, symptoms, others)
        theirs = assessment.others - others
        named_here = assessment.new_symptoms | theirs
        first_time = (assessment.new_symptoms - symptoms) | theirs
        symptoms, others = assessment.symptoms, assessment.others
        asked = (*assessment.asked_rules, *assessment.suspected_rules)
        level = Urgency.highest(
            assessment.level, assessment.bystander_level, *(rule.level for rule in asked)
        )
        if named_here or asked:
            named.append((-level.rank, not first_time, position, sentence))
    picked: list[tuple[int, str]] = []
    size = 0
    for _, _, position, sentence in sorted(named):
        if size + len(sentence) + 1 <= limit:
            picked.append((position, sentence))
            size += len(sentence) + 1
    return " ".join(sentence for _, sentence in sorted(picked))


class SymptomReader:
    """symptom_sentences in a worker process of its own; `None` (the patient gets the plain
    notice) when too many reads wait, or the worker fails or takes too long."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.reading = 0
        self._pool: ProcessPoolExecutor | None = None

    async def read(self, text: str) -> str | None:
        if self.reading >= MAX_READS:
            logger.warning("A long message was not read: %d others are being read", MAX_READS)
            return None
        pool = self._pool or self._start()
        future = asyncio.get_running_loop().run_in_executor(
            pool, symptom_sentences, text, self.limit
        )
        self.reading += 1
        try:
            return await asyncio.wait_for(future, TIMEOUT_SECONDS)
        except Exception as error:
            # Its type only: an error from the triage may quote the text it was given.
            timed_out = isinstance(error, asyncio.TimeoutError)
            reason = "no answer in time" if timed_out else type(error).__name__
            logger.error("Reading a long message's symptoms failed (%s)", reason)
            self._stop(pool)
            return None
        finally:
            self.reading -= 1

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: Rasa's process holds TensorFlow's threads and locks
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return self._pool

    def _stop(self, pool: ProcessPoolExecutor) -> None:
        """End a worker that failed or hangs; the next read starts a new one. Reads queued on
        it fail too (their patients get the notice) rather than wait behind a hung worker."""
        if self._pool is pool:
            self._pool = None
        # ProcessPoolExecutor.shutdown does not stop a busy worker (CPython 3.10 keeps them in
        # the private `_processes`).
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False)

    def close(self) -> None:
        if self._pool is not None:
            self._stop(self._pool)
