"""A second, independent red-flag detector: the safety net behind the phrase rules.

A linear classifier over character and word n-grams (scikit-learn, which Rasa brings),
trained when the action server starts on data/red_flag_examples.yml: patients' own words for
each rule, harmless look-alikes, and the NLU training examples as harmless. It knows no
context; it only raises a suspicion, and the bot then asks one confirming question. Training
is deterministic and takes about a second; a prediction well under a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .data_files import DataFileError, load_yaml, require_mapping, require_text_list
from .text_normalization import tokens

HARMLESS = "_harmless"


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

    def suspects(self, text: str) -> list[tuple[str, float]]:
        """Rules the text may describe, most likely first, above the threshold."""
        if not text.strip():
            return []
        features = hstack([v.transform([text]) for v in self.vectorizers]).tocsr()
        scores = np.asarray(features @ self.weights).ravel() + self.intercepts
        exp = np.exp(scores - scores.max())
        probabilities = exp / exp.sum()  # the multinomial model's softmax, as predict_proba
        order = np.argsort(probabilities)[::-1]
        return [
            (self.labels[i], float(probabilities[i]))
            for i in order
            if self.labels[i] != HARMLESS and probabilities[i] >= self.threshold
        ]


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
