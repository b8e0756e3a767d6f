"""Start and stop the action server and the Rasa server together, on loopback ports.

Used by `make run`, the end-to-end tests and the benchmark, so that all three run the
assistant the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conversation_store.database import tracker_store_yaml

from .credentials import active_connectors

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL = PROJECT_DIR / "models" / "backpain.tar.gz"
CREDENTIALS = PROJECT_DIR / "credentials.yml"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
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
) -> Iterator[RunningServers]:
    """Both servers, up and answering, for the duration of the `with` block.

    The channels are those of `credentials` whose `${VARIABLES}` are set in the environment.
    The HTTP API is served only if `RASA_AUTH_TOKEN` or `RASA_JWT_SECRET` is (tools.rasa_server).
    """
    rasa_port = rasa_port or free_port()
    action_port = action_port or free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="backpain-servers-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    endpoints = log_dir / "endpoints.yml"
    process_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    # Conversations go to BOT_DATABASE_URL (default var/conversations.db); the file names
    # only the variable, which Rasa's process reads, so no password is written to disk.
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        + tracker_store_yaml(process_env)
    )
    connectors = active_connectors(credentials, process_env)
    if echo_logs:
        print(f"Channels ({credentials.name}):\n{connectors.summary()}")
    commands = {
        "actions": [
            str(BIN / "python"),
            "-m",
            "rasa_sdk",
            "--actions",
            "actions",
            "--port",
            str(action_port),
        ],
        "rasa": [
            str(BIN / "python"),
            "-m",
            "tools.rasa_server",
            "--model",
            str(model),
            "--port",
            str(rasa_port),
            "--interface",
            interface,
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(connectors.write(log_dir / "credentials.yml")),
        ],
    }
    processes: list[subprocess.Popen] = []
    try:
        for name, health in (
            ("actions", f"http://127.0.0.1:{action_port}/health"),
            ("rasa", f"http://127.0.0.1:{rasa_port}/webhooks/rest/"),
        ):
            log = log_dir / f"{name}.log"
            output = None if echo_logs else log.open("wb")
            process = subprocess.Popen(
                commands[name],
                cwd=PROJECT_DIR,
                env=process_env,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
            processes.append(process)
            _wait_until_up(health, process, log, timeout)
        yield RunningServers(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            action_url=f"http://127.0.0.1:{action_port}",
            processes=processes,
            log_dir=log_dir,
        )
    finally:
        for process in reversed(processes):
            _stop(process)
