"""A second, independent red-flag detector: the safety net behind the phrase rules.

A linear classifier over character and word n-grams (scikit-learn, which Rasa brings),
trained on data/red_flag_examples.yml: patients' own words for each rule, harmless
look-alikes, and the NLU training examples as harmless. It knows no context; it only raises a
suspicion, and the bot then asks one confirming question. A prediction takes well under a
millisecond; training half a minute, so the fitted detector is kept in a cache file named by
the hash of everything it was fitted from (examples, this module, the library versions): every
server start and test after the first loads it in a fraction of a second, and any change to
the data refits it. The data file is read and checked on every load either way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .data_files import (
    PROJECT_DIR,
    DataFileError,
    load_yaml,
    require_mapping,
    require_text_list,
)
from .text_normalization import tokens

logger = logging.getLogger(__name__)

HARMLESS = "_harmless"
CACHE_ENV = "BOT_CACHE_DIR"  # where fitted detectors are kept; default build/cache


def _normalise(text: str) -> str:
    return " ".join(tokens(text))


@dataclass
class RedFlagDetector:
    vectorizers: list[TfidfVectorizer]
    # the classifier's weights, features x labels, contiguous: scikit-learn's predict_proba
    # copies the transposed weight matrix on every call (2 ms a message here)
    weights: np.ndarray
    intercepts: np.ndarray
    labels: list[str]
    threshold: float

    @classmethod
    def load(cls, path: Path, rule_ids: set[str], nlu_dir: Path | None) -> RedFlagDetector:
        """The detector for these examples: checked, then fitted or taken from the cache."""
        texts, labels, threshold = _read_examples(path, rule_ids, nlu_dir)
        cache = _cache_file(texts, labels, threshold)
        cached = _read_cache(cache)
        if cached is not None:
            return cached
        detector = cls.fit(texts, labels, threshold)
        _write_cache(cache, detector)
        return detector

    @classmethod
    def fit(cls, texts: list[str], labels: list[str], threshold: float) -> RedFlagDetector:
        vectorizers = [
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(3, 5),
                preprocessor=_normalise,
                sublinear_tf=True,
                min_df=2,
            ),
            TfidfVectorizer(preprocessor=_normalise, ngram_range=(1, 2), sublinear_tf=True),
        ]
        features = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
        classifier = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")
        classifier.fit(features, labels)
        return cls(
            vectorizers,
            np.ascontiguousarray(classifier.coef_.T),
            classifier.intercept_.copy(),
            list(classifier.classes_),
            threshold,
        )

    def suspects(self, text: str, among: Collection[str]) -> list[tuple[str, float]]:
        """The rules of `among` the text may describe, most likely first, when together they
        reach the threshold. Their sum, not the top one alone: close signs (a fall, a fall from
        a height) share a message's probability, and each new rule would lower the top one."""
        if not text.strip() or not among:
            return []
        features = hstack([v.transform([text]) for v in self.vectorizers]).tocsr()
        scores = np.asarray(features @ self.weights).ravel() + self.intercepts
        exp = np.exp(scores - scores.max())
        probabilities = exp / exp.sum()  # the multinomial model's softmax, as predict_proba
        order = np.argsort(probabilities)[::-1]
        candidates = [
            (self.labels[i], float(probabilities[i])) for i in order if self.labels[i] in among
        ]
        if sum(p for _, p in candidates) < self.threshold:
            return []
        return candidates


def _read_examples(
    path: Path, rule_ids: set[str], nlu_dir: Path | None
) -> tuple[list[str], list[str], float]:
    """The training texts and their labels (rule ids, or HARMLESS), and the threshold."""
    data = require_mapping(load_yaml(path), path)
    threshold = data.get("threshold")
    if not isinstance(threshold, float) or not 0 < threshold < 1:
        raise DataFileError(path, "must be a number between 0 and 1", field="threshold")
    texts: list[str] = []
    labels: list[str] = []
    examples = require_mapping(data.get("examples"), path, field="examples")
    for rule_id, by_language in examples.items():
        if rule_id not in rule_ids:
            raise DataFileError(path, "is not a red-flag rule id", f"examples '{rule_id}'")
        by_language = require_mapping(by_language, path, f"examples '{rule_id}'")
        for lang in ("en", "de"):
            for text in require_text_list(by_language.get(lang), path, rule_id, lang):
                texts.append(text)
                labels.append(rule_id)
    harmless = require_mapping(data.get("harmless"), path, field="harmless")
    for lang in ("en", "de"):
        texts += require_text_list(harmless.get(lang), path, "harmless", lang)
    texts += nlu_examples(nlu_dir) if nlu_dir else []
    labels += [HARMLESS] * (len(texts) - len(labels))
    if len(set(labels)) < 2:
        raise DataFileError(path, "needs examples of red flags and of harmless messages")
    return texts, labels, threshold


def _cache_file(texts: list[str], labels: list[str], threshold: float) -> Path:
    fitted_from = json.dumps(
        [texts, labels, threshold, sklearn.__version__, np.__version__, scipy.__version__]
    ).encode()
    digest = hashlib.sha256(fitted_from + Path(__file__).read_bytes()).hexdigest()[:24]
    folder = Path(os.environ.get(CACHE_ENV) or PROJECT_DIR / "build" / "cache")
    return folder / f"red_flag_detector-{digest}.pickle"


def _read_cache(cache: Path) -> RedFlagDetector | None:
    try:
        with cache.open("rb") as file:
            # our own file, written by _write_cache from a detector fitted here
            detector = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as err:  # a damaged cache is refitted, never trusted
        logger.warning("Refitting the red-flag detector: cache %s is unreadable (%s)", cache, err)
        return None
    return detector if isinstance(detector, RedFlagDetector) else None


def _write_cache(cache: Path, detector: RedFlagDetector) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache.parent, delete=False) as file:
            pickle.dump(detector, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, cache)  # atomic: parallel starts never read half a file
    except OSError as err:
        logger.warning("The red-flag detector could not be cached in %s (%s)", cache.parent, err)


def nlu_examples(nlu_dir: Path) -> list[str]:
    """The example texts of Rasa's NLU training data: patients' ordinary questions."""
    texts = []
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (load_yaml(path) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(_strip_entities(line[2:]))
    return texts


def _strip_entities(text: str) -> str:
    """ "[lower back](region)" -> "lower back"."""
    return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", re.sub(r"\{[^}]*\}", "", text))
