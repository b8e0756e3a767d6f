"""Start and stop the action server and the Rasa server together, on loopback ports.

Used by `make run`, the end-to-end tests, the benchmark and the cluster (tools.cluster), so
that all of them run the assistant the same way.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conversation_store.database import tracker_store_yaml

from .credentials import active_connectors

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL = PROJECT_DIR / "models" / "backpain.tar.gz"
CREDENTIALS = PROJECT_DIR / "credentials.yml"
BIN = Path(sys.executable).parent


# Ports below Linux's ephemeral range (32768 on): a port the OS handed out for binding and
# that was closed again can be taken by any outgoing connection (a health poll, the browser)
# before the server binds it ("address already in use", seen in CI on 2026-12-04).
PORT_RANGE = (20000, 32000)
_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port free now, below the ephemeral range, not handed out before here."""
    for _ in range(200):
        port = random.randint(*PORT_RANGE)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:  # a crowded range: let the OS choose
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServers:
    rasa_url: str
    action_url: str
    processes: list[subprocess.Popen]
    log_dir: Path

    def pids(self) -> dict[str, int]:
        return {"rasa": self.processes[1].pid, "actions": self.processes[0].pid}


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{url} exited with status {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s (log: {log})")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def action_health_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/health"


def rasa_health_url(port: int) -> str:
    # A channel's own route: it answers only once the model is loaded and the channels are up.
    return f"http://127.0.0.1:{port}/webhooks/rest/"


def write_endpoints(
    path: Path,
    action_url: str,
    env: Mapping[str, str],
    extra: str = "",
    store_conversations: bool = True,
) -> Path:
    """Rasa's endpoints.yml: the action server, the conversation store, and `extra` sections.

    Conversations go to BOT_DATABASE_URL (default var/conversations.db); the file names only
    the variable, which Rasa's process reads, so no password is written to disk. Without
    `store_conversations` (`make bench --no-store`, for comparison only) Rasa keeps them in
    memory and nothing is written."""
    store = tracker_store_yaml(env) if store_conversations else ""
    path.write_text(f'action_endpoint:\n  url: "{action_url}"\n' + store + extra)
    return path


def _spawn(
    command: list[str], log: Path, env: Mapping[str, str], echo_logs: bool, own_session: bool
) -> subprocess.Popen:
    output = None if echo_logs else log.open("wb")
    try:
        return subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            # own_session: Ctrl-C in the terminal reaches only the parent, which stops the
            # servers itself, in its order.
            start_new_session=own_session,
        )
    finally:
        if output is not None:
            output.close()  # the child has its own handle; the parent only leaked one


def start_actions(
    port: int,
    log: Path,
    env: Mapping[str, str],
    echo_logs: bool = False,
    own_session: bool = False,
) -> subprocess.Popen:
    """An action server on `port`, not waited for (see `_wait_until_up`). It binds to
    loopback only: it has no authentication, and Rasa reaches it at 127.0.0.1.
    tools.action_server is rasa_sdk with its log records redacted."""
    command = [str(BIN / "python"), "-m", "tools.action_server", "--actions", "actions"]
    command += ["--port", str(port)]
    # rasa-sdk 3.6 has no --interface option; its Sanic reads SANIC_HOST (default 0.0.0.0).
    return _spawn(command, log, {**env, "SANIC_HOST": "127.0.0.1"}, echo_logs, own_session)


def start_rasa(
    port: int,
    *,
    endpoints: Path,
    credentials: Path,
    log: Path,
    env: Mapping[str, str],
    model: Path = MODEL,
    interface: str = "127.0.0.1",
    echo_logs: bool = False,
    own_session: bool = False,
) -> subprocess.Popen:
    """A Rasa server on `port` with the given endpoints and (active) credentials files,
    not waited for (see `_wait_until_up`)."""
    command = [
        str(BIN / "python"), "-m", "tools.rasa_server", "--model", str(model),
        "--port", str(port), "--interface", interface,
        "--endpoints", str(endpoints), "--credentials", str(credentials),
    ]  # fmt: skip
    return _spawn(command, log, env, echo_logs, own_session)


@contextmanager
def running_servers(
    rasa_port: int | None = None,
    action_port: int | None = None,
    model: Path = MODEL,
    log_dir: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 180,
    echo_logs: bool = False,
    interface: str = "127.0.0.1",
    credentials: Path = CREDENTIALS,
    store_conversations: bool = True,
) -> Iterator[RunningServers]:
    """Both servers, up and answering, for the duration of the `with` block.

    The channels are those of `credentials` whose `${VARIABLES}` are set in the environment.
    The HTTP API is served only if `RASA_AUTH_TOKEN` or `RASA_JWT_SECRET` is (tools.rasa_server).
    """
    rasa_port = rasa_port or free_port()
    action_port = action_port or free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="backpain-servers-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    process_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    endpoints = write_endpoints(
        log_dir / "endpoints.yml",
        f"http://127.0.0.1:{action_port}/webhook",
        process_env,
        store_conversations=store_conversations,
    )
    connectors = active_connectors(credentials, process_env)
    if echo_logs:
        print(f"Channels ({credentials.name}):\n{connectors.summary()}")
    processes: list[subprocess.Popen] = []
    try:
        # Both start at once: Rasa calls the action server only when a message arrives, and
        # the channel route waited for below answers only once the model is loaded.
        action_log, rasa_log = log_dir / "actions.log", log_dir / "rasa.log"
        processes.append(start_actions(action_port, action_log, process_env, echo_logs))
        processes.append(
            start_rasa(
                rasa_port,
                endpoints=endpoints,
                credentials=connectors.write(log_dir / "credentials.yml"),
                log=rasa_log,
                env=process_env,
                model=model,
                interface=interface,
                echo_logs=echo_logs,
            )
        )
        _wait_until_up(action_health_url(action_port), processes[0], action_log, timeout)
        _wait_until_up(rasa_health_url(rasa_port), processes[1], rasa_log, timeout)
        yield RunningServers(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            action_url=f"http://127.0.0.1:{action_port}",
            processes=processes,
            log_dir=log_dir,
        )
    finally:
        for process in reversed(processes):
            _stop(process)
