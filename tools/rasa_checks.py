"""`rasa test` on the test stories, and the NLU evaluation with its F1 threshold per language.

Usage: python -m tools.rasa_checks stories|nlu
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL = PROJECT_DIR / "models" / "backpain.tar.gz"
RESULTS = PROJECT_DIR / "results"
MIN_INTENT_F1 = 0.90
LANGUAGES = ("en", "de")


def rasa(*args: str) -> None:
    command = [str(Path(sys.executable).parent / "rasa"), *args]
    subprocess.run(command, cwd=PROJECT_DIR, check=True)


def check_stories() -> int:
    out = RESULTS / "stories"
    rasa(
        "test",
        "core",
        "--model",
        str(MODEL),
        "--stories",
        "tests/stories",
        "--out",
        str(out),
        "--fail-on-prediction-errors",
    )
    print(f"rasa test core: all test stories passed (report in {out})")
    return 0


def check_nlu() -> int:
    failed = []
    for lang in LANGUAGES:
        out = RESULTS / f"nlu-{lang}"
        rasa(
            "test",
            "nlu",
            "--model",
            str(MODEL),
            "--nlu",
            f"tests/nlu/{lang}.yml",
            "--out",
            str(out),
        )
        report = json.loads((out / "intent_report.json").read_text())
        f1 = report["weighted avg"]["f1-score"]
        worst = sorted(
            (v["f1-score"], name)
            for name, v in report.items()
            if isinstance(v, dict)
            and "support" in v
            and name not in ("micro avg", "macro avg", "weighted avg")
        )[:3]
        print(
            f"NLU {lang}: intent F1 (weighted) {f1:.3f}; weakest: "
            + ", ".join(f"{name} {score:.2f}" for score, name in worst)
        )
        if f1 < MIN_INTENT_F1:
            failed.append(lang)
    if failed:
        print(f"NLU evaluation below F1 {MIN_INTENT_F1} for: {', '.join(failed)}")
        return 1
    print(f"NLU evaluation: intent F1 >= {MIN_INTENT_F1} in both languages")
    return 0


if __name__ == "__main__":
    checks = {"stories": check_stories, "nlu": check_nlu}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit("usage: python -m tools.rasa_checks stories|nlu")
    sys.exit(checks[sys.argv[1]]())
