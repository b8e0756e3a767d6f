"""The NLU data: the held-out test set stays held out."""

from __future__ import annotations

import pytest

from actions.text_normalization import tokens
from tests.conftest import PROJECT_DIR
from tests.unit.test_text_understanding import nlu_examples


def folded(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_held_out_example_is_in_the_training_data(language):
    train = {folded(t) for t in nlu_examples(PROJECT_DIR / "data" / "nlu" / f"{language}.yml")}
    test = [t for t in nlu_examples(PROJECT_DIR / "tests" / "nlu" / f"{language}.yml")]
    leaked = [t for t in test if folded(t) in train]
    assert not leaked, f"held-out examples also in training: {leaked}"


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_training_example_is_a_near_copy_of_a_held_out_one(language):
    train = [set(folded(t)) for t in nlu_examples(PROJECT_DIR / "data" / "nlu" / f"{language}.yml")]
    test = [set(folded(t)) for t in nlu_examples(PROJECT_DIR / "tests" / "nlu" / f"{language}.yml")]
    near = [
        " ".join(sorted(t))
        for t in test
        if len(t) >= 4 and any(len(t & s) / len(t | s) >= 0.8 for s in train)
    ]
    assert not near, f"training examples nearly identical to held-out ones: {near}"
