"""CPU time and memory of a running process, read from Linux's /proc.

CPU is the process's user + system time (all threads: TensorFlow computes on a pool), so a
step's CPU seconds divided by its wall time is the share of one core it used.
Peak memory is VmHWM, the resident-set high-water mark. Writing "5" to /proc/<pid>/clear_refs
resets it (Linux >= 4.0, needs permission on the process), which gives a peak per load step;
without permission the peak is the process's lifetime peak, and `peak_reset` says so.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (children not included)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may contain spaces; the fields after its ")" are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / CLOCK_TICKS


def main_thread_schedstat(pid: int) -> tuple[float, float]:
    """Seconds the main thread ran and seconds it waited, runnable, for a core (Linux
    schedstat). Rasa answers on its main thread's event loop: if run + wait approaches the
    wall time, that loop is saturated; the wait alone is time lost to other processes."""
    try:
        run_ns, wait_ns, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return math.nan, math.nan
    return int(run_ns) / 1e9, int(wait_ns) / 1e9


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def peak_rss_mib(pid: int) -> float:
    return _status_kib(pid, "VmHWM") / 1024


def rss_mib(pid: int) -> float:
    return _status_kib(pid, "VmRSS") / 1024


def reset_peak(pid: int) -> bool:
    """Start a new VmHWM period; False if the kernel or permissions do not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class Usage:
    cpu_s: float
    cpu_percent_of_core: float
    peak_rss_mib: float
    peak_reset: bool  # True: peak of this period only; False: since the process started
    # Main thread: % of the wall time it ran or waited for a core; seconds it waited.
    main_thread_busy_percent: float
    runqueue_wait_s: float


class Meter:
    """CPU and peak memory of some processes over one period (a load step)."""

    def __init__(self, pids: dict[str, int], wall_clock: float) -> None:
        self.pids = pids
        self.reset = {name: reset_peak(pid) for name, pid in pids.items()}
        self.cpu_start = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.sched_start = {name: main_thread_schedstat(pid) for name, pid in pids.items()}
        self.started = wall_clock

    def stop(self, wall_clock: float) -> dict[str, Usage]:
        wall = max(wall_clock - self.started, 1e-9)
        usage = {}
        for name, pid in self.pids.items():
            cpu = cpu_seconds(pid) - self.cpu_start[name]
            run_now, wait_now = main_thread_schedstat(pid)
            run_then, wait_then = self.sched_start[name]
            run, wait = run_now - run_then, wait_now - wait_then
            usage[name] = Usage(
                cpu_s=round(cpu, 2),
                cpu_percent_of_core=round(100 * cpu / wall, 1),
                peak_rss_mib=round(peak_rss_mib(pid), 1),
                peak_reset=self.reset[name],
                main_thread_busy_percent=round(100 * (run + wait) / wall, 1),
                runqueue_wait_s=round(wait, 2),
            )
        return usage
