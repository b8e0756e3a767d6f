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
from collections.abc import Mapping, Sequence
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


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """`pid`'s children, their children, and so on."""
    found, queue = [], [pid]
    while queue:
        kids = children(queue.pop())
        found += kids
        queue += kids
    return found


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _cpu_or_none(pid: int) -> float | None:
    try:
        return cpu_seconds(pid)
    except (OSError, ValueError):
        return None  # the process is gone


def _peak_or_zero(pid: int) -> float:
    try:
        return peak_rss_mib(pid)
    except (OSError, KeyError):
        return 0.0


class Meter:
    """CPU and peak memory of some processes over one period (a load step).

    A name may stand for one pid or for a group of them (nginx's master and workers,
    PostgreSQL's postmaster and backends): a group's CPU is the sum over its processes, its
    peak the sum of their peaks (PostgreSQL's shared buffers count once per process there),
    its main-thread figures those of its busiest process. A process that exits during the
    period counts for what it used until its last reading (the start).
    """

    def __init__(self, pids: Mapping[str, int | Sequence[int]], wall_clock: float) -> None:
        self.pids = {
            name: [pid] if isinstance(pid, int) else list(pid) for name, pid in pids.items()
        }
        self.reset = {
            name: all([reset_peak(pid) for pid in group]) for name, group in self.pids.items()
        }
        self.cpu_start = {pid: _cpu_or_none(pid) for group in self.pids.values() for pid in group}
        self.sched_start = {
            pid: main_thread_schedstat(pid) for group in self.pids.values() for pid in group
        }
        self.started = wall_clock

    def stop(self, wall_clock: float) -> dict[str, Usage]:
        wall = max(wall_clock - self.started, 1e-9)
        usage = {}
        for name, group in self.pids.items():
            cpu, busy, wait = 0.0, 0.0, 0.0
            for pid in group:
                now, then = _cpu_or_none(pid), self.cpu_start[pid]
                if now is not None and then is not None:
                    cpu += now - then
                run_now, wait_now = main_thread_schedstat(pid)
                run_then, wait_then = self.sched_start[pid]
                run, waited = run_now - run_then, wait_now - wait_then
                if not math.isnan(run + waited) and run + waited >= busy:
                    busy, wait = run + waited, waited
            usage[name] = Usage(
                cpu_s=round(cpu, 2),
                cpu_percent_of_core=round(100 * cpu / wall, 1),
                peak_rss_mib=round(sum(_peak_or_zero(pid) for pid in group), 1),
                peak_reset=self.reset[name],
                main_thread_busy_percent=round(100 * busy / wall, 1),
                runqueue_wait_s=round(wait, 2),
            )
        return usage
