"""Builds the bilingual spaCy pipeline that Rasa's SpacyNLP loads from a folder.

No pretrained model can be downloaded here, so the pipeline is a blank
multi-language tokenizer with a lookup lemmatizer whose table merges the German
and English tables of `spacy-lookups-data`. A last component folds every lemma
(lower case, umlauts spelled out) so that "Rücken", "Ruecken" and "rücken"
give the NLU featurizers one and the same word.

Usage: python -m nlu_pipeline.spacy_model OUTPUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.lookups import Lookups, load_lookups
from spacy.tokens import Doc

from actions.text_normalization import fold

FOLD_COMPONENT = "ascii_fold_lemmas"


@Language.component(FOLD_COMPONENT)
def ascii_fold_lemmas(doc: Doc) -> Doc:
    for token in doc:
        token.lemma_ = fold(token.lemma_ or token.text)
    return doc


def merged_lemma_lookups() -> Lookups:
    """German and English lookup tables in one; English wins on the few shared keys."""
    table: dict[str, str] = {}
    for lang in ("de", "en"):
        table.update(load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup"))
    lookups = Lookups()
    lookups.add_table("lemma_lookup", table)
    return lookups


def build(output: Path) -> Language:
    nlp = spacy.blank("xx")
    nlp.meta["name"] = "backpain_bilingual"
    nlp.meta["description"] = "Blank xx tokenizer, merged de+en lookup lemmas, folded lemmas"
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe(FOLD_COMPONENT)
    lemmatizer.initialize(lookups=merged_lemma_lookups())
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return nlp


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m nlu_pipeline.spacy_model OUTPUT_DIR")
    build(Path(sys.argv[1]))
    print(f"spaCy pipeline written to {sys.argv[1]}")
