"""Builds data/names/first_names.txt and last_names.txt from the person-name lists of Faker.

Faker (PyPI `faker`, MIT licence, by joke2k and contributors) keeps, per locale, the first
names and surnames that its fake people are made of, taken from public name statistics. The
redaction (conversation_store.redaction) finds a name without a cue word ("Anna Schmidt here",
"Gruß, Jürgen") by looking it up in these lists, so the lists are kept as data in the project
and rebuilt with this tool when Faker's change; Faker itself is not needed at run time.

The tool reads the provider modules out of the wheel with `ast`, without importing (running)
Faker's code. It keeps names in Latin script, and drops the first names that are words of the
project's own vocabulary (data/, the medical words, drugs and body parts patients use):
a word like "Rose" or "Will" must not be taken for a name without a cue.

Usage:
    pip download --no-deps -d /tmp/faker faker==40.54.0
    python -m tools.build_name_lists /tmp/faker/faker-40.54.0-py3-none-any.whl
"""

from __future__ import annotations

import ast
import re
import sys
import zipfile
from pathlib import Path

from conversation_store.listed_names import fold

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT_DIR / "data" / "names"
# the languages of the clinic's patients: German-speaking countries, English, and the largest
# groups of immigrants there (Turkish, Polish, Italian, Croatian, Romanian, Czech, Slovak,
# Dutch, French, Portuguese, Spanish; Pakistani and Indian names in Latin script)
LOCALES = [
    "de_DE",
    "de_AT",
    "de_CH",
    "en_US",
    "en_GB",
    "en_IE",
    "tr_TR",
    "pl_PL",
    "it_IT",
    "hr_HR",
    "ro_RO",
    "cs_CZ",
    "sk_SK",
    "nl_NL",
    "fr_FR",
    "pt_PT",
    "es_ES",
    "en_PK",
    "en_IN",
]
_LATIN_NAME = re.compile(r"[A-Za-zÀ-ɏ]+(?:[-'][A-Za-zÀ-ɏ]+)*")
_WORD = re.compile(r"[^\W\d_]+")
VOCABULARY_FILES = ("*.yml", "nlu/*.yml", "facts/*.yml", "facts/**/*.yml")


def provider_names(wheel: zipfile.ZipFile, locale: str) -> tuple[set[str], set[str]]:
    """The first names and surnames that one locale's person provider lists."""
    source = wheel.read(f"faker/providers/person/{locale}/__init__.py").decode("utf-8")
    first: set[str] = set()
    last: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name) or not target.id.startswith(
            ("first_name", "last_name")
        ):
            continue
        names = _literal_names(value)
        (first if target.id.startswith("first") else last).update(names)
    return first, last


def _literal_names(value: ast.expr) -> set[str]:
    """The strings of a tuple, list or (Ordered)dict literal of names (weights dropped)."""
    if isinstance(value, ast.Call) and value.args:  # OrderedDict((("Anna", 0.1), ...))
        value = value.args[0]
    try:
        literal = ast.literal_eval(value)
    except ValueError:  # `first_names_male + first_names_female`: its parts are read too
        return set()
    items = literal.keys() if isinstance(literal, dict) else literal
    names = set()
    for item in items:
        name = item[0] if isinstance(item, tuple) else item
        if isinstance(name, str) and _LATIN_NAME.fullmatch(name) and len(name) >= 2:
            names.add(name)
    return names


def vocabulary() -> set[str]:
    """Every word (folded) in the project's data files except the redaction's own."""
    words: set[str] = set()
    for pattern in VOCABULARY_FILES:
        for path in (PROJECT_DIR / "data").glob(pattern):
            if path.name != "redaction.yml":
                words.update(fold(w) for w in _WORD.findall(path.read_text("utf-8")))
    return words


def write(path: Path, names: set[str], version: str, note: str) -> None:
    header = [
        f"# {note}",
        f"# Built by tools/build_name_lists.py from Faker {version} (PyPI `faker`), locales:",
        f"# {' '.join(LOCALES)}.",
        "# Faker: Copyright (c) 2012 Daniele Faraglia, MIT licence (see data/names/LICENSE).",
    ]
    path.write_text("\n".join([*header, *sorted(names, key=str.lower)]) + "\n", "utf-8")


def main(wheel_path: str) -> None:
    with zipfile.ZipFile(wheel_path) as wheel:
        version = re.search(r"faker-([\d.]+)-", Path(wheel_path).name)
        first: set[str] = set()
        last: set[str] = set()
        for locale in LOCALES:
            names = provider_names(wheel, locale)
            first |= names[0]
            last |= names[1]
        licence = next(n for n in wheel.namelist() if n.endswith(("LICENSE.txt", "License")))
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        (OUT_DIR / "LICENSE").write_bytes(wheel.read(licence))
    words = vocabulary()
    dropped = sorted(n for n in first if fold(n) in words)  # "Germán" too: lists are folded
    first -= set(dropped)
    tag = version.group(1) if version else "?"
    write(OUT_DIR / "first_names.txt", first, tag, "First names found without a cue word.")
    write(OUT_DIR / "last_names.txt", last, tag, "Surnames (after a cue or a first name).")
    print(f"{len(first)} first names, {len(last)} surnames; dropped as words: {dropped}")


if __name__ == "__main__":
    main(*sys.argv[1:])
