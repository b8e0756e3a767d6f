"""`make bench`: response times of the running assistant over the REST channel.

Starts both servers, plays patient conversations built from the held-out NLU test
messages (both languages, several turns each), and reports latency percentiles, memory
of both servers, model size and training time. Results go to results/bench.json.

Usage: python -m tools.bench [--messages N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import urllib.request
from pathlib import Path

import yaml

from .servers import MODEL, PROJECT_DIR, running_servers

RESULTS = PROJECT_DIR / "results" / "bench.json"


def held_out_messages() -> list[str]:
    messages = []
    for lang in ("en", "de"):
        data = yaml.safe_load((PROJECT_DIR / "tests" / "nlu" / f"{lang}.yml").read_text())
        for block in data["nlu"]:
            messages += [
                line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")
            ]
    return messages


def send(url: str, sender: str, message: str) -> float:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    elapsed = time.perf_counter() - started
    if not replies or "custom" not in replies[-1]:
        raise RuntimeError(f"no reply contract for {message!r}: {replies}")
    return elapsed


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--turns", type=int, default=5, help="messages per conversation")
    args = parser.parse_args()
    pool = held_out_messages()
    rng = random.Random(7)
    sample = [rng.choice(pool) for _ in range(args.messages)]

    started = time.monotonic()
    with running_servers() as servers:
        startup = time.monotonic() - started
        url = f"{servers.rasa_url}/webhooks/rest/webhook"
        send(url, "bench-warmup", "hello")
        latencies = [
            send(url, f"bench-{i // args.turns}", message) for i, message in enumerate(sample)
        ]
        memory = {name: round(rss_mib(pid), 1) for name, pid in servers.pids().items()}

    training = PROJECT_DIR / "build" / "training-time.txt"
    results = {
        "messages": len(latencies),
        "turns_per_conversation": args.turns,
        "latency_ms": {
            "p50": round(percentile(latencies, 50) * 1000, 1),
            "p95": round(percentile(latencies, 95) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
            "mean": round(statistics.mean(latencies) * 1000, 1),
        },
        "throughput_msg_per_s": round(len(latencies) / sum(latencies), 1),
        "rss_mib": memory,
        "startup_s": round(startup, 1),
        "model_mib": round(MODEL.stat().st_size / 2**20, 1),
        "training_s": float(training.read_text()) if training.exists() else None,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    lat = results["latency_ms"]
    print(
        f"{results['messages']} messages, one at a time over REST ({args.turns} per conversation)"
    )
    print("| p50 ms | p95 ms | max ms | msg/s | Rasa RSS MiB | actions RSS MiB | start s |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {lat['p50']} | {lat['p95']} | {lat['max']} | {results['throughput_msg_per_s']} "
        f"| {memory['rasa']} | {memory['actions']} | {results['startup_s']} |"
    )
    print(f"model {results['model_mib']} MiB, training {results['training_s']} s; {RESULTS}")


if __name__ == "__main__":
    main()
