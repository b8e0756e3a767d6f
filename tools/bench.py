"""`make bench`: how fast the assistant answers, alone and under load, over REST and socket.io.

Starts both servers (with a throw-away conversation database, the HTTP API on a generated
token and socket.io open to one bench origin), then, in one run:

1. the time from start to the first answer;
2. the floor: each scripted message through NLU parsing alone (/model/parse) and through the
   action server alone (/webhook), one at a time;
3. load steps: 1, 10, 50 and 200 patients at once playing the scripted conversations
   (tools/bench_conversations.yml), each typing a few seconds after each answer, on each channel;
4. the highest message rate (open loop) answered with p95 under 300 ms and no errors;
5. training time: from scratch (build/training-time.txt, from `make model`) and again with
   the training cache (.rasa/cache), into a temporary folder, never into models/.

Latency, throughput, errors, CPU and peak memory of both servers per step go to
results/bench.json; a Markdown summary is printed.

Usage: python -m tools.bench [--quick] [--skip-training] [--duration S] [--patients 1,10,50,200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from . import load
from .process_stats import Meter, Usage, peak_rss_mib, rss_mib
from .servers import BIN, MODEL, PROJECT_DIR, RunningServers, running_servers

RESULTS = PROJECT_DIR / "results" / "bench.json"
CONVERSATIONS = Path(__file__).with_name("bench_conversations.yml")
TRAINING_TIME = PROJECT_DIR / "build" / "training-time.txt"
ORIGIN = "http://bench.localhost"  # the one website origin socket.io accepts during the bench
# The targets for this 2-core machine.
TARGET_PATIENTS, TARGET_P95_MS = 50, 150.0
TARGET_FLOOR_RATIO = 1.5


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s steps, 5 s per rate")
    parser.add_argument("--duration", type=float, help="seconds per load step (default 60)")
    parser.add_argument("--patients", default="1,10,50,200", help="concurrent patients per step")
    parser.add_argument("--channels", default="rest,socketio")
    parser.add_argument("--think", default="2,5", help="seconds between answer and next message")
    parser.add_argument("--rate-step", type=float, default=5.0, help="msg/s added per try")
    parser.add_argument("--rate-max", type=float, default=100.0)
    parser.add_argument("--rate-duration", type=float, help="seconds per rate (default 20)")
    parser.add_argument("--p95-limit-ms", type=float, default=300.0)
    parser.add_argument("--floor-repeats", type=int, default=3, help="timings per message")
    parser.add_argument(
        "--floor-conversations", type=int, help="measure the floor on the first N conversations"
    )
    parser.add_argument("--skip-training", action="store_true", help="no cached training run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--log-dir", type=Path, help="server logs (default: a temporary folder)")
    parser.add_argument(
        "--database-url",
        help="conversation store (default: a new SQLite file in the log folder, so the bench's "
        "thousands of conversations stay out of var/conversations.db)",
    )
    args = parser.parse_args(argv)
    args.duration = args.duration or (10.0 if args.quick else 60.0)
    args.rate_duration = args.rate_duration or (5.0 if args.quick else 20.0)
    args.patients = [int(n) for n in args.patients.split(",")]
    args.channels = args.channels.split(",")
    low, high = (float(s) for s in args.think.split(","))
    args.think = (low, high)
    return args


# --- measurements that need no running server ------------------------------------------------


def cached_training(log_dir: Path) -> dict[str, Any]:
    """`rasa train` with unchanged data, into a temporary folder: the components come from the
    training cache (.rasa/cache, in the project folder) instead of being trained again."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as out:
        log = log_dir / "train-cached.log"
        started = time.monotonic()
        with log.open("wb") as output:
            status = subprocess.call(
                [str(BIN / "rasa"), "train", "--fixed-model-name", "bench-cached", "--out", out],
                cwd=PROJECT_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"},
            )
        seconds = time.monotonic() - started
    text = log.read_text(errors="replace")
    return {
        "seconds": round(seconds, 1) if status == 0 else None,
        "status": status,
        # Rasa logs this for each component it trains; one restored from the cache is not.
        "components_trained": text.count("Starting to train component"),
        "log": str(log),
    }


def training_from_scratch() -> float | None:
    return float(TRAINING_TIME.read_text()) if TRAINING_TIME.exists() else None


def conversation_store(env: dict[str, str]) -> str:
    try:
        from conversation_store.database import database_url, safe_url

        return f"SQL (conversation_store), {safe_url(database_url(env))}"
    except ImportError:
        return "in memory (Rasa default)"


def first_answer(rasa_url: str) -> float:
    """Seconds for the very first message: models are loaded, but nothing has run yet."""
    body = json.dumps({"sender": "bench-first", "message": "hello"}).encode()
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=120) as response:
        load.check_contract(json.loads(response.read()))
    return time.monotonic() - started


# --- the run against the servers -------------------------------------------------------------


def step_record(
    kind: str, channel: str, result: load.StepResult, usage: dict[str, Usage], **extra: Any
) -> dict[str, Any]:
    recorder = result.recorder
    return {
        "kind": kind,
        "channel": channel,
        **extra,
        "duration_s": result.wall_s,
        "messages": len(recorder.latencies),
        "conversations": result.conversations,
        "errors": recorder.errors,
        "error_samples": recorder.error_samples,
        "throughput_msg_per_s": round(len(recorder.latencies) / result.wall_s, 2),
        "latency_ms": load.latency_summary(recorder.latencies),
        "cpu": {
            name: {
                "seconds": u.cpu_s,
                "percent_of_one_core": u.cpu_percent_of_core,
                "main_thread_busy_percent": u.main_thread_busy_percent,
                "runqueue_wait_s": u.runqueue_wait_s,
            }
            for name, u in usage.items()
        },
        "peak_rss_mib": {name: u.peak_rss_mib for name, u in usage.items() if name != "bench"},
        "peak_rss_is_per_step": all(u.peak_reset for n, u in usage.items() if n != "bench"),
    }


async def measure(
    servers: RunningServers, token: str, args: argparse.Namespace, say: Any
) -> dict[str, Any]:
    conversations = load.load_conversations(CONVERSATIONS)
    # Every process whose CPU counts: both servers and this client, which shares the cores.
    pids = {**servers.pids(), "bench": os.getpid()}
    connector = aiohttp.TCPConnector(limit=0)  # no client-side queue: 200 patients, 200 requests
    timeout = aiohttp.ClientTimeout(total=load.TURN_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        say("floor: each message through /model/parse and the action server alone ...")
        floor = await load.measure_floor(
            session,
            servers.rasa_url,
            servers.action_url,
            token,
            conversations[: args.floor_conversations],
            args.floor_repeats,
        )
        channels: dict[str, load.Channel] = {
            "rest": load.RestChannel(session, servers.rasa_url),
            "socketio": load.SocketChannel(servers.rasa_url, ORIGIN),
        }
        steps = []
        for patients in args.patients:
            for name in args.channels:
                say(f"{patients} patients over {name} for {args.duration:.0f} s ...")
                meter = Meter(pids, time.perf_counter())
                result = await load.run_step(
                    channels[name],
                    patients,
                    args.duration,
                    conversations,
                    args.think,
                    args.seed,
                )
                usage = meter.stop(time.perf_counter())
                steps.append(step_record("patients", name, result, usage, patients=patients))
                say("  " + _brief(steps[-1]))
        searches = {}
        for name in args.channels:
            say(f"highest rate over {name} with p95 < {args.p95_limit_ms:.0f} ms ...")
            tries: list[dict[str, Any]] = []
            passed, rate = None, args.rate_step
            while rate <= args.rate_max + 1e-9:
                meter = Meter(pids, time.perf_counter())
                result = await load.run_rate(
                    channels[name], rate, args.rate_duration, conversations, args.seed
                )
                usage = meter.stop(time.perf_counter())
                tries.append(step_record("rate", name, result, usage, offered_msg_per_s=rate))
                say(f"  {rate:g} msg/s offered: " + _brief(tries[-1]))
                if not load.passes(result, args.p95_limit_ms / 1000):
                    break
                passed, rate = rate, rate + args.rate_step
            searches[name] = {"max_msg_per_s": passed, "tries": tries}
    return {"floor": floor, "steps": steps, "rate_search": searches}


def _brief(step: dict[str, Any]) -> str:
    lat = step["latency_ms"]
    return (
        f"{step['messages']} msgs, {step['throughput_msg_per_s']} msg/s, p50 {lat['p50']} "
        f"p95 {lat['p95']} p99 {lat['p99']} ms, {step['errors']} errors, "
        f"Rasa {step['cpu']['rasa']['percent_of_one_core']}% of a core"
    )


def floor_record(floor: load.Floor) -> dict[str, Any]:
    return {
        "parse_ms": {**load.latency_summary(floor.parse), "n": len(floor.parse)},
        "action_ms": {**load.latency_summary(floor.action), "n": len(floor.action)},
        "errors": floor.errors.errors,
        "error_samples": floor.errors.error_samples,
    }


def ratios(floor: dict[str, Any], steps: list[dict[str, Any]]) -> dict[str, float | None]:
    """Single patient: end-to-end p50 / (parse p50 + action p50), per channel."""
    base = (floor["parse_ms"]["p50"] or math.nan) + (floor["action_ms"]["p50"] or math.nan)
    out: dict[str, float | None] = {}
    for step in steps:
        if step["patients"] == 1 and step["latency_ms"]["p50"] is not None:
            ratio = step["latency_ms"]["p50"] / base
            out[step["channel"]] = None if math.isnan(ratio) else round(ratio, 2)
    return out


def targets(results: dict[str, Any]) -> dict[str, bool | None]:
    at_target = [s for s in results["steps"] if s["patients"] == TARGET_PATIENTS]
    ratios_ = [r for r in results["floor_ratio"].values() if r is not None]
    return {
        f"p95_under_{TARGET_P95_MS:.0f}ms_with_{TARGET_PATIENTS}_patients": (
            all((s["latency_ms"]["p95"] or math.inf) < TARGET_P95_MS for s in at_target)
            if at_target
            else None
        ),
        f"no_errors_with_{TARGET_PATIENTS}_patients": (
            all(s["errors"] == 0 for s in at_target) if at_target else None
        ),
        f"single_patient_within_{TARGET_FLOOR_RATIO}x_floor": (
            all(r <= TARGET_FLOOR_RATIO for r in ratios_) if ratios_ else None
        ),
    }


def markdown(results: dict[str, Any]) -> str:
    fmt = "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |"
    lines = [
        fmt.format(
            "channel",
            "patients",
            "msgs",
            "msg/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "Rasa CPU s (% core)",
            "Rasa loop busy %",
            "actions CPU s (% core)",
            "Rasa peak MiB",
            "actions peak MiB",
        ),
        "|" + "---|" * 13,
    ]
    for s in results["steps"]:
        lat, cpu, mem = s["latency_ms"], s["cpu"], s["peak_rss_mib"]
        lines.append(
            fmt.format(
                s["channel"],
                s["patients"],
                s["messages"],
                s["throughput_msg_per_s"],
                lat["p50"],
                lat["p95"],
                lat["p99"],
                s["errors"],
                f"{cpu['rasa']['seconds']} ({cpu['rasa']['percent_of_one_core']}%)",
                cpu["rasa"]["main_thread_busy_percent"],
                f"{cpu['actions']['seconds']} ({cpu['actions']['percent_of_one_core']}%)",
                mem["rasa"],
                mem["actions"],
            )
        )
    floor = results["floor"]
    lines.append("")
    lines.append(
        f"Floor, one request at a time: parse p50 {floor['parse_ms']['p50']} ms "
        f"(p95 {floor['parse_ms']['p95']}), action server p50 {floor['action_ms']['p50']} ms "
        f"(p95 {floor['action_ms']['p95']}); single patient end to end / floor: "
        + ", ".join(f"{k} {v}x" for k, v in results["floor_ratio"].items())
    )
    rates = ", ".join(
        f"{name} {search['max_msg_per_s']} msg/s" for name, search in results["rate_search"].items()
    )
    lines.append(f"Highest rate with p95 < {results['run']['p95_limit_ms']:.0f} ms: {rates}")
    model, startup = results["model"], results["startup"]
    lines.append(
        f"Model {model['size_mib']} MiB; training {model['training_from_scratch_s']} s from "
        f"scratch, {model['training_with_cache_s']} s with the cache; first answer "
        f"{startup['to_first_answer_s']} s after start (servers up {startup['servers_up_s']} s, "
        f"first turn {startup['first_turn_ms']} ms); peak RSS Rasa "
        f"{results['peak_rss_mib']['rasa']} MiB, actions {results['peak_rss_mib']['actions']} MiB"
    )
    lines.append(
        "Targets: "
        + ", ".join(
            f"{k} {'yes' if v else 'NO' if v is False else '-'}"
            for k, v in results["targets"].items()
        )
    )
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def run(args: argparse.Namespace) -> dict[str, Any]:
    def say(text: str) -> None:
        print(text, flush=True)

    if not MODEL.exists():
        raise SystemExit(f"no trained model at {MODEL}: run `make model` first")
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="bench-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    env = {
        "RASA_AUTH_TOKEN": token,  # the HTTP API, for /model/parse and the trackers
        "RASA_JWT_SECRET": "",
        "BOT_WIDGET_ORIGINS": ORIGIN,
        "BOT_DATABASE_URL": args.database_url or f"sqlite:///{log_dir / 'conversations.db'}",
    }
    say(f"Starting the servers (logs in {log_dir}) ...")
    load_before = os.getloadavg()
    started = time.monotonic()
    with running_servers(log_dir=log_dir, env=env) as servers:
        servers_up = time.monotonic() - started
        first_turn = first_answer(servers.rasa_url)
        to_first_answer = time.monotonic() - started
        pids = servers.pids()
        # Before any load: what loading the model and the data took.
        startup_peak = {name: peak_rss_mib(pid) for name, pid in pids.items()}
        startup_rss = {name: round(rss_mib(pid), 1) for name, pid in pids.items()}
        say(f"first answer {to_first_answer:.1f} s after start")
        measured = asyncio.run(measure(servers, token, args, say))
    floor = floor_record(measured["floor"])
    steps = measured["steps"]
    all_steps = steps + [t for s in measured["rate_search"].values() for t in s["tries"]]
    peak = {
        name: round(max([startup_peak[name]] + [s["peak_rss_mib"][name] for s in all_steps]), 1)
        for name in pids
    }
    training = None if args.skip_training else cached_training(log_dir)
    if training is not None:
        say(f"training with the cache: {training['seconds']} s")
    results: dict[str, Any] = {
        "run": {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "git_commit": git_commit(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            "conversation_store": conversation_store(env),
            "conversations": str(CONVERSATIONS.relative_to(PROJECT_DIR)),
            "channels": args.channels,
            "step_duration_s": args.duration,
            "think_time_s": list(args.think),
            "rate_duration_s": args.rate_duration,
            "p95_limit_ms": args.p95_limit_ms,
            "seed": args.seed,
            "log_dir": str(log_dir),
        },
        "model": {
            "size_mib": round(MODEL.stat().st_size / 2**20, 1),
            "training_from_scratch_s": training_from_scratch(),
            "training_with_cache_s": training and training["seconds"],
            "training_with_cache": training,
        },
        "startup": {
            "to_first_answer_s": round(to_first_answer, 1),
            "servers_up_s": round(servers_up, 1),
            "first_turn_ms": round(first_turn * 1000, 1),
            "rss_mib": startup_rss,
        },
        "floor": floor,
        "floor_ratio": ratios(floor, steps),
        "steps": steps,
        "rate_search": measured["rate_search"],
        "peak_rss_mib": peak,
        "errors": sum(s["errors"] for s in all_steps) + floor["errors"],
    }
    results["targets"] = targets(results)
    return results


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    results = run(args)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(markdown(results))
    print(f"\nResults: {args.results}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
