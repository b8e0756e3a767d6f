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

`--cluster N`: the same against tools.cluster instead: N Rasa replicas and 2 action servers
behind nginx (PostgreSQL tracker store, Redis lock store); the patients talk to nginx, the floor
is taken on the first replica directly (nginx does not route the HTTP API), and CPU and peak
memory are reported per process and per role (rasa, actions, nginx, postgres, redis). nginx
keeps each socket.io client on one replica by its address, and every bench client is
127.0.0.1: over socket.io all patients land on one replica; only REST is balanced. Results go
to results/bench-cluster.json.

Usage: python -m tools.bench [--quick] [--skip-training] [--duration S] [--patients 1,10,50,200]
                             [--cluster [N]] [--no-store]
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from . import load
from .process_stats import Meter, Usage, command_name, descendants, peak_rss_mib, rss_mib
from .servers import BIN, MODEL, PROJECT_DIR, running_servers

RESULTS = PROJECT_DIR / "results" / "bench.json"
CLUSTER_RESULTS = PROJECT_DIR / "results" / "bench-cluster.json"
NO_STORE_RESULTS = PROJECT_DIR / "results" / "bench-no-store.json"  # never over the real figures
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
    parser.add_argument(
        "--cluster",
        type=int,
        nargs="?",
        const=2,
        metavar="N",
        help="bench tools.cluster with N Rasa replicas (default 2) instead of one server",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help=f"default {RESULTS.name}; with --cluster {CLUSTER_RESULTS.name}, with --no-store "
        f"{NO_STORE_RESULTS.name}",
    )
    parser.add_argument(
        "--no-store",
        action="store_true",
        help="for comparison only: Rasa's in-memory tracker store, nothing stored (what storing "
        "the conversations costs)",
    )
    parser.add_argument("--log-dir", type=Path, help="server logs (default: a temporary folder)")
    parser.add_argument(
        "--database-url",
        help="conversation store (default: a new SQLite file in the log folder, so the bench's "
        "thousands of conversations stay out of var/conversations.db)",
    )
    args = parser.parse_args(argv)
    if args.cluster is not None and args.cluster < 1:
        parser.error("--cluster: at least one Rasa replica")
    if args.cluster is not None and args.no_store:
        parser.error("--no-store: the cluster's replicas need the shared store")
    if args.results is None:
        args.results = (
            CLUSTER_RESULTS
            if args.cluster is not None
            else NO_STORE_RESULTS
            if args.no_store
            else RESULTS
        )
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


# --- what is benched: one server pair, or a cluster -----------------------------------------

Pids = dict[str, "int | list[int]"]


@dataclass
class Target:
    setup: str  # what was benched, in words
    url: str  # where the patients talk: Rasa itself, or nginx
    rasa_url: str  # one Rasa with the HTTP API, for the floor
    action_url: str  # one action server, for the floor
    pids: Callable[[], Pids]  # name -> process (or group); read again at each step
    database_env: dict[str, str]


def role(name: str) -> str:
    """rasa-2 -> rasa; actions, nginx, postgres, redis, bench stay."""
    return name.split("-")[0]


def _named(names: set[str]) -> list[int]:
    """This process's descendants with one of these command names (nginx's master and workers,
    redis-server)."""
    return sorted(pid for pid in descendants(os.getpid()) if command_name(pid) in names)


def _postgres(data_dir: Path) -> list[int]:
    """The postmaster (from its pid file: pg_ctl detaches it) and its backends."""
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return [postmaster, *descendants(postmaster)]


@contextmanager
def single_target(log_dir: Path, env: dict[str, str], store: bool = True) -> Iterator[Target]:
    with running_servers(log_dir=log_dir, env=env, store_conversations=store) as servers:
        yield Target(
            setup="single: 1 Rasa server + 1 action server, "
            + ("SQLite tracker store" if store else "in-memory tracker store (nothing stored)"),
            url=servers.rasa_url,
            rasa_url=servers.rasa_url,
            action_url=servers.action_url,
            pids=servers.pids,
            database_env=env if store else {},
        )


@contextmanager
def cluster_target(replicas: int, log_dir: Path, env: dict[str, str]) -> Iterator[Target]:
    from conversation_store.database import URL_ENV

    from .cluster import running_cluster

    env = {k: v for k, v in env.items() if k != URL_ENV}  # the cluster's PostgreSQL instead
    # Not under log_dir: its parents may be private to root (pytest's tmp_path), and the
    # server runs as the `postgres` user, who must reach its folder.
    postgres_dir = Path(tempfile.mkdtemp(prefix="bench-postgres-"))
    with running_cluster(
        rasa_replicas=replicas, log_dir=log_dir, postgres_dir=postgres_dir, env=env
    ) as cluster:

        def pids() -> Pids:
            found: Pids = {s.name: s.process.pid for s in cluster.rasa + cluster.actions}
            found["nginx"] = _named({"nginx"})
            found["postgres"] = _postgres(postgres_dir / "data")
            found["redis"] = _named({"redis-server"})
            return {name: group for name, group in found.items() if group}

        yield Target(
            setup=(
                f"cluster: {replicas} Rasa replicas + {len(cluster.actions)} action servers "
                "behind nginx (REST least_conn; socket.io sticky by client address, and all "
                "bench clients are 127.0.0.1, so every socket.io patient is on one replica), "
                "PostgreSQL tracker store, Redis lock store; floor on rasa-1 directly"
            ),
            url=cluster.url,
            rasa_url=cluster.rasa[0].url,
            action_url=cluster.actions[0].url,
            pids=pids,
            database_env={URL_ENV: cluster.database_url},
        )


# --- the run against the servers -------------------------------------------------------------


def step_record(
    kind: str, channel: str, result: load.StepResult, usage: dict[str, Usage], **extra: Any
) -> dict[str, Any]:
    recorder = result.recorder
    roles: dict[str, dict[str, Any]] = {}
    for name, u in usage.items():
        r = roles.setdefault(
            role(name),
            {"processes": [], "cpu_s": 0.0, "percent_of_one_core": 0.0, "peak_rss_mib": 0.0},
        )
        r["processes"].append(name)
        r["cpu_s"] = round(r["cpu_s"] + u.cpu_s, 2)
        r["percent_of_one_core"] = round(r["percent_of_one_core"] + u.cpu_percent_of_core, 1)
        r["peak_rss_mib"] = round(r["peak_rss_mib"] + u.peak_rss_mib, 1)  # sum over processes
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
        "roles": roles,
    }


async def measure(target: Target, token: str, args: argparse.Namespace, say: Any) -> dict[str, Any]:
    conversations = load.load_conversations(CONVERSATIONS)

    def pids() -> Pids:
        # Every process whose CPU counts: the servers and this client, which shares the cores.
        return {**target.pids(), "bench": os.getpid()}

    connector = aiohttp.TCPConnector(limit=0)  # no client-side queue: 200 patients, 200 requests
    timeout = aiohttp.ClientTimeout(total=load.TURN_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        say("floor: each message through /model/parse and the action server alone ...")
        floor = await load.measure_floor(
            session,
            target.rasa_url,
            target.action_url,
            token,
            conversations[: args.floor_conversations],
            args.floor_repeats,
        )
        channels: dict[str, load.Channel] = {
            "rest": load.RestChannel(session, target.url),
            "socketio": load.SocketChannel(target.url, ORIGIN),
        }
        steps = []
        for patients in args.patients:
            for name in args.channels:
                say(f"{patients} patients over {name} for {args.duration:.0f} s ...")
                meter = Meter(pids(), time.perf_counter())
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
                meter = Meter(pids(), time.perf_counter())
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
        f"Rasa {step['roles']['rasa']['percent_of_one_core']}% of a core"
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


TRIAGE_TARGET_P95_MS = 5.0
TRIAGE_CORPORA = ("corpus_3_dev.yml", "corpus_4_dev.yml", "corpus_5_dev.yml")


def triage_timing(repeats: int = 3) -> dict[str, Any]:
    """The red-flag triage alone (rules, context, detector), in this process, per message of
    the development corpora: what it adds to each turn of the action server."""
    import yaml

    from actions.knowledge import KNOWLEDGE

    texts = [
        message
        for name in TRIAGE_CORPORA
        for case in yaml.safe_load((PROJECT_DIR / "tests" / "red_flags" / name).read_text())[
            "cases"
        ]
        for message in [*(case.get("previous") or []), case["text"]]
    ]
    timings = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            KNOWLEDGE.triage.assess(text)
            timings.append(time.perf_counter() - started)
    return {**load.latency_summary(timings), "n": len(timings), "messages": len(texts)}


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
        f"triage_p95_under_{TRIAGE_TARGET_P95_MS:.0f}ms": (
            results["triage_ms"]["p95"] < TRIAGE_TARGET_P95_MS if "triage_ms" in results else None
        ),
    }


def markdown(results: dict[str, Any]) -> str:
    """Per role: CPU summed over its processes, peak memory summed too (one line per role in
    the cluster: `rasa` is all replicas); the loop busy % is each Rasa process's main thread."""
    infra = [
        r for r in ("nginx", "postgres", "redis") if any(r in s["roles"] for s in results["steps"])
    ]
    headers = [
        "channel", "patients", "msgs", "msg/s", "p50 ms", "p95 ms", "p99 ms", "errors",
        "Rasa CPU s (% core)", "Rasa loop busy %", "actions CPU s (% core)",
    ] + [f"{r} CPU s (% core)" for r in infra] + ["Rasa peak MiB", "actions peak MiB"]  # fmt: skip
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]

    def cpu(step: dict[str, Any], name: str) -> str:
        r = step["roles"].get(name)
        return f"{r['cpu_s']} ({r['percent_of_one_core']}%)" if r else "-"

    for s in results["steps"]:
        lat, roles = s["latency_ms"], s["roles"]
        busy = " / ".join(
            str(s["cpu"][name]["main_thread_busy_percent"]) for name in roles["rasa"]["processes"]
        )
        row = [
            s["channel"], s["patients"], s["messages"], s["throughput_msg_per_s"],
            lat["p50"], lat["p95"], lat["p99"], s["errors"],
            cpu(s, "rasa"), busy, cpu(s, "actions"), *(cpu(s, r) for r in infra),
            roles["rasa"]["peak_rss_mib"], roles["actions"]["peak_rss_mib"],
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(x) for x in row) + " |")
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
        f"first turn {startup['first_turn_ms']} ms); peak RSS "
        + ", ".join(f"{k} {v} MiB" for k, v in results["peak_rss_mib_by_role"].items())
    )
    lines.append(
        "Targets: "
        + ", ".join(
            f"{k} {'yes' if v else 'NO' if v is False else '-'}"
            for k, v in results["targets"].items()
        )
    )
    lines.append(f"Setup: {results['run']['setup']}")
    return "\n".join(lines)


def _group_sum(read: Callable[[int], float], group: int | list[int]) -> float:
    return sum(read(pid) for pid in ([group] if isinstance(group, int) else group))


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
    what = "the servers" if args.cluster is None else f"a cluster of {args.cluster} replicas"
    say(f"Starting {what} (logs in {log_dir}) ...")
    load_before = os.getloadavg()
    started = time.monotonic()
    if args.cluster is None:
        running = single_target(log_dir, env, store=not args.no_store)
    else:
        running = cluster_target(args.cluster, log_dir, env)
    with running as target:
        servers_up = time.monotonic() - started
        first_turn = first_answer(target.url)
        to_first_answer = time.monotonic() - started
        pids = target.pids()
        # Before any load: what loading the model and the data took.
        startup_peak = {name: _group_sum(peak_rss_mib, group) for name, group in pids.items()}
        startup_rss = {name: round(_group_sum(rss_mib, g), 1) for name, g in pids.items()}
        say(f"first answer {to_first_answer:.1f} s after start")
        measured = asyncio.run(measure(target, token, args, say))
    floor = floor_record(measured["floor"])
    steps = measured["steps"]
    all_steps = steps + [t for s in measured["rate_search"].values() for t in s["tries"]]
    peak = {
        name: round(
            max([startup_peak[name]] + [s["peak_rss_mib"].get(name, 0) for s in all_steps]), 1
        )
        for name in pids
    }
    peak_by_role: dict[str, float] = {}
    for name, mib in peak.items():
        peak_by_role[role(name)] = round(peak_by_role.get(role(name), 0) + mib, 1)
    training = None if args.skip_training else cached_training(log_dir)
    if training is not None:
        say(f"training with the cache: {training['seconds']} s")
    results: dict[str, Any] = {
        "setup": target.setup,
        "run": {
            "setup": target.setup,
            "cluster_rasa_replicas": args.cluster,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "git_commit": git_commit(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            "conversation_store": (
                conversation_store(target.database_env)
                if target.database_env
                else "none: Rasa's in-memory store (--no-store)"
            ),
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
        "peak_rss_mib_by_role": peak_by_role,
        "errors": sum(s["errors"] for s in all_steps) + floor["errors"],
        "triage_ms": triage_timing(),
    }
    action_floor = floor["action_ms"]["p50"]
    results["triage_ms"]["p95_share_of_action_floor"] = (
        round(results["triage_ms"]["p95"] / action_floor, 2) if action_floor else None
    )
    say(f"triage alone: {results['triage_ms']}")
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
