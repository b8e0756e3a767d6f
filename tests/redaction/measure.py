"""Redaction figures on a corpus, and on the medical patient messages of tests/red_flags and
tests/nlu (none of which holds personal data, so each change there is a false positive).

Usage: python -m tests.redaction.measure [--module conversation_store.redaction] CORPUS.yml...
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(
    r"\[(?:email|phone|address|date_of_birth|date|insurance_number|id_number|iban|name)\]"
)

# Conventions the corpora's writers chose differently, counted as the same redaction: a title
# inside or outside the name ("Dr [name]" or "[name]" for "Dr Patel": the title is no personal
# data either way; "Ms" is left out, since "MS" is also multiple sclerosis), and which kind of
# identity number a health-service number is (the NHS number as [insurance_number] or
# [id_number]: the number is gone either way).
_TITLE_BEFORE_NAME = re.compile(
    r"\b(?:(?:dr|prof|med|frau|herrn?|fr|hr|mr|mrs|miss|schwester|pfleger)\.? )+\[name\]",
    re.IGNORECASE,
)
_ID_KIND = re.compile(r"\[(?:insurance_number|id_number)\]")


def canonical(text: str) -> str:
    return _ID_KIND.sub("[id]", _TITLE_BEFORE_NAME.sub("[name]", text))


def same_redaction(got: str, expected: str) -> bool:
    return canonical(got) == canonical(expected)


def corpus_figures(redact: Callable[[str], str], cases: list[dict]) -> dict[str, int]:
    """Placeholders of messages stored exactly as expected, and medical messages changed."""
    figures = dict.fromkeys(("items", "caught", "messages", "exact", "medical", "changed"), 0)
    for case in cases:
        got = redact(case["text"])
        if "expected" not in case:
            figures["medical"] += 1
            figures["changed"] += got != case["text"]
            continue
        wanted = len(PLACEHOLDER.findall(case["expected"]))
        figures["items"] += wanted
        figures["messages"] += 1
        exact = same_redaction(got, case["expected"])
        figures["exact"] += exact
        figures["caught"] += wanted if exact else 0
    return figures


def medical_messages() -> Iterator[tuple[str, str]]:
    """(file, text) of every patient message in tests/red_flags/*.yml and tests/nlu/*.yml."""
    for path in sorted((PROJECT_DIR / "tests" / "red_flags").glob("*.yml")):
        for case in yaml.safe_load(path.read_text("utf-8"))["cases"]:
            for text in [case["text"], *(case.get("previous") or [])]:
                yield path.name, text
    for path in sorted((PROJECT_DIR / "tests" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text("utf-8"))["nlu"]:
            for line in block.get("examples", "").splitlines():
                if line.strip().startswith("- "):
                    # entity markup "[Anna](name)" is not the patient's text
                    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:])
                    yield path.name, text


def load(module: str) -> Callable[[str], str]:
    if module.endswith(".py"):
        spec = importlib.util.spec_from_file_location("redaction_under_test", module)
        assert spec and spec.loader
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = loaded  # dataclasses look their module up
        spec.loader.exec_module(loaded)
        return loaded.redact_text
    return importlib.import_module(module).redact_text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", default="conversation_store.redaction")
    parser.add_argument("--show", action="store_true", help="print each miss")
    parser.add_argument("corpora", nargs="*", type=Path)
    args = parser.parse_args()
    redact = load(args.module)
    for path in args.corpora:
        cases = yaml.safe_load(path.read_text("utf-8"))["cases"]
        f = corpus_figures(redact, cases)
        print(
            f"{path.name}: {f['caught']}/{f['items']} items redacted exactly "
            f"({f['exact']}/{f['messages']} messages), "
            f"{f['changed']}/{f['medical']} medical messages changed"
        )
        if args.show:
            for case in cases:
                got = redact(case["text"])
                if not same_redaction(got, case.get("expected", case["text"])):
                    print(
                        f"  {case['text']!r}\n    got  {got!r}\n    want {case.get('expected')!r}"
                    )
    changed = [(name, text, redact(text)) for name, text in medical_messages()]
    changed_only = [c for c in changed if c[1] != c[2]]
    print(f"tests/red_flags + tests/nlu: {len(changed_only)}/{len(changed)} messages changed")
    if args.show:
        for name, text, got in changed_only:
            if "frozen" not in name:  # held-out sets are counted, never shown
                print(f"  {name}: {text!r} -> {got!r}")


if __name__ == "__main__":
    sys.exit(main())
