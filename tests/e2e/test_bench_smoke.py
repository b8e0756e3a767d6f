"""`make bench`, in miniature: the benchmark's machinery against the real servers for a few
seconds, 1 and 5 patients over REST and socket.io. It checks that the results file reports
everything and that no turn failed; timings are `make bench`'s business, not a test's.
The same against a two-replica cluster (`--cluster`) is marked `cluster`."""

from __future__ import annotations

import json

import pytest

from tools import bench
from tools.servers import MODEL

e2e = pytest.mark.e2e

CHANNELS = ("rest", "socketio")
LATENCY = {"p50", "p95", "p99", "max", "mean"}
STEP = {
    "kind",
    "channel",
    "duration_s",
    "messages",
    "conversations",
    "errors",
    "error_samples",
    "throughput_msg_per_s",
    "latency_ms",
    "cpu",
    "peak_rss_mib",
    "peak_rss_is_per_step",
    "roles",
}
SERVERS = {"rasa", "actions"}
CLUSTER_ROLES = {"rasa", "actions", "nginx", "postgres", "redis", "bench"}


def run_bench(tmp_path_factory, *extra: str) -> dict:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    out = tmp_path_factory.mktemp("bench")
    path = out / "bench.json"
    bench.main(
        [
            *extra,
            "--patients=1,5",
            f"--channels={','.join(CHANNELS)}",
            "--duration=2",
            "--think=0.2,0.8",
            "--rate-step=2",
            "--rate-max=2",
            "--rate-duration=2",
            "--floor-repeats=1",
            "--floor-conversations=2",
            "--skip-training",
            f"--results={path}",
            f"--log-dir={out / 'logs'}",
        ]
    )
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_bench(tmp_path_factory)


def check_step(step: dict) -> None:
    assert step.keys() >= STEP, STEP - step.keys()
    assert step["errors"] == 0, step["error_samples"]
    assert step["messages"] > 0 and step["throughput_msg_per_s"] > 0
    assert step["latency_ms"].keys() >= LATENCY
    assert all(step["latency_ms"][k] > 0 for k in LATENCY)
    assert step["cpu"].keys() == SERVERS | {"bench"}
    for usage in step["cpu"].values():
        assert usage["seconds"] >= 0 and usage["percent_of_one_core"] >= 0
        assert usage["main_thread_busy_percent"] >= 0 and usage["runqueue_wait_s"] >= 0
    assert step["peak_rss_mib"].keys() == SERVERS
    assert all(mib > 0 for mib in step["peak_rss_mib"].values())
    assert step["roles"].keys() == SERVERS | {"bench"}


@e2e
def test_every_load_step_is_reported_without_errors(results):
    steps = {(s["channel"], s["patients"]): s for s in results["steps"]}
    assert set(steps) == {(c, n) for c in CHANNELS for n in (1, 5)}
    for step in steps.values():
        check_step(step)
    assert results["errors"] == 0


@e2e
def test_the_floor_and_the_ratio_to_it(results):
    floor = results["floor"]
    assert floor["errors"] == 0, floor["error_samples"]
    for part in ("parse_ms", "action_ms"):
        assert floor[part]["n"] > 0 and floor[part]["p50"] > 0
        assert floor[part].keys() >= LATENCY
    assert set(results["floor_ratio"]) == set(CHANNELS)
    assert all(ratio > 0 for ratio in results["floor_ratio"].values())


@e2e
def test_the_rate_search_ran_on_both_channels(results):
    for channel in CHANNELS:
        search = results["rate_search"][channel]
        assert "max_msg_per_s" in search
        assert search["tries"] and search["tries"][0]["offered_msg_per_s"] == 2
        for attempt in search["tries"]:
            check_step(attempt)


@e2e
def test_model_startup_memory_and_targets_are_reported(results):
    model = results["model"]
    assert model["size_mib"] > 0
    assert {"training_from_scratch_s", "training_with_cache_s"} <= model.keys()
    assert model["training_with_cache_s"] is None  # --skip-training
    startup = results["startup"]
    assert 0 < startup["servers_up_s"] <= startup["to_first_answer_s"]
    assert startup["first_turn_ms"] > 0
    assert results["peak_rss_mib"].keys() == SERVERS
    assert all(mib > 0 for mib in results["peak_rss_mib"].values())
    assert results["run"]["conversation_store"]
    assert len(results["targets"]) == 4
    triage = results["triage_ms"]  # the red-flag triage alone (issue 11)
    assert 0 < triage["p50"] <= triage["p95"] and triage["messages"] > 100
    assert results["setup"].startswith("single")


def test_cluster_option_and_its_results_file():
    assert bench.parse_args([]).cluster is None
    assert bench.parse_args([]).results == bench.RESULTS
    assert bench.parse_args(["--cluster"]).cluster == 2
    args = bench.parse_args(["--cluster", "3"])
    assert args.cluster == 3 and args.results == bench.CLUSTER_RESULTS


def test_a_comparison_run_without_the_store_never_writes_over_the_real_figures(capsys):
    assert bench.parse_args(["--no-store"]).results == bench.NO_STORE_RESULTS
    with pytest.raises(SystemExit):
        bench.parse_args(["--no-store", "--cluster"])
    assert "the cluster's replicas need the shared store" in capsys.readouterr().err


@pytest.mark.cluster
def test_the_cluster_bench_reports_every_role(tmp_path_factory):
    results = run_bench(tmp_path_factory, "--cluster=2")
    assert results["setup"].startswith("cluster: 2 Rasa replicas")
    assert results["floor"]["errors"] == 0, results["floor"]["error_samples"]
    assert results["errors"] == 0
    for step in results["steps"]:
        assert step["errors"] == 0, step["error_samples"]
        assert step["roles"].keys() == CLUSTER_ROLES
        assert step["roles"]["rasa"]["processes"] == ["rasa-1", "rasa-2"]
        assert step["roles"]["actions"]["processes"] == ["actions-1", "actions-2"]
        assert all(r["cpu_s"] >= 0 and r["peak_rss_mib"] > 0 for r in step["roles"].values())
    assert results["peak_rss_mib_by_role"].keys() == CLUSTER_ROLES - {"bench"}
