"""Run a command and write its wall-clock duration in seconds to a file.

Usage: python -m tools.timed OUTPUT_FILE COMMAND [ARGS...]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m tools.timed OUTPUT_FILE COMMAND [ARGS...]", file=sys.stderr)
        return 2
    out, command = Path(argv[0]), argv[1:]
    started = time.monotonic()
    status = subprocess.call(command)
    seconds = time.monotonic() - started
    if status == 0:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"{seconds:.1f}\n")
        print(f"{' '.join(command[:2])} took {seconds:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
