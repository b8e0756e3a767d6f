"""`rasa data validate`, failing on any warning that is not listed and explained.

Explained warnings live in tests/expected_validation_warnings.yml (pattern + why).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXPLAINED = PROJECT_DIR / "tests" / "expected_validation_warnings.yml"
WARNING = re.compile(r"(UserWarning|WARNING|Warning:)")


def main() -> int:
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate", "--max-history", "5"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    explained = yaml.safe_load(EXPLAINED.read_text()) or []
    patterns = [re.compile(entry["pattern"]) for entry in explained]
    unexplained = [
        line
        for line in output.splitlines()
        if WARNING.search(line) and not any(p.search(line) for p in patterns)
    ]
    for line in unexplained:
        print(f"unexplained: {line}")
    if result.returncode != 0 or unexplained:
        print(output[-4000:])
        count = len(unexplained)
        print(f"rasa data validate: exit {result.returncode}, {count} unexplained warning(s)")
        return 1
    print("rasa data validate: passed, no unexplained warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
