"""`make run`: the action server (:5055), Rasa (:5005), the widget demo page (:8080) and the
staff review tool (127.0.0.1:8090), until Ctrl-C.

The servers log to var/log/ (BOT_LOG_DIR), and their lines are shown here as they come. A
stopped action server is started again, after 1 s, then twice as long after each stop that
came within a minute of its start (at most 60 s); meanwhile Rasa tells patients the assistant
is unavailable and gives the emergency number (tools.turn_guard). If Rasa stops or fails to
start, everything stops with exit status 1 and the end of its log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from review_tool.server import DEFAULT_HOST, database_engine, serving

from .servers import PROJECT_DIR, RunningServers, running_servers, start_actions
from .widget_host import serving_widget

FIRST_RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 60.0
STABLE_SECONDS = 60.0  # an action server up this long is restarted after FIRST_RESTART_DELAY


class LogFollower:
    """Prints the lines the servers append to their log files, prefixed with the server."""

    def __init__(self, write: Callable[[str], object] = sys.stdout.write) -> None:
        self.write = write
        self.files: dict[Path, tuple[str, int]] = {}  # path -> (prefix, bytes shown)
        self.lock = threading.Lock()
        threading.Thread(target=self._run, name="log-follower", daemon=True).start()

    def follow(self, path: Path, prefix: str) -> None:
        with self.lock:
            self.files[path] = (prefix, 0)

    def _run(self) -> None:
        while True:
            with self.lock:
                for path, (prefix, shown) in list(self.files.items()):
                    self.files[path] = (prefix, self._show(path, prefix, shown))
            time.sleep(0.3)

    def _show(self, path: Path, prefix: str, shown: int) -> int:
        try:
            with path.open("rb") as log:
                log.seek(shown)
                new = log.read()
        except OSError:
            return shown
        complete = new[: new.rfind(b"\n") + 1]  # a line still being written waits
        for line in complete.decode(errors="replace").splitlines():
            self.write(f"[{prefix}] {line}\n")
        return shown + len(complete)


class ActionServerSupervisor:
    """Starts the action server of `servers` again whenever it has stopped (`check()`)."""

    def __init__(
        self,
        servers: RunningServers,
        port: int,
        env: Mapping[str, str],
        log_dir: Path,
        on_log: Callable[[Path], None] = lambda path: None,
        say: Callable[[str], None] = lambda text: print(text, flush=True),
    ) -> None:
        self.servers, self.port, self.env, self.log_dir = servers, port, env, log_dir
        self.on_log, self.say = on_log, say
        self.delay = FIRST_RESTART_DELAY
        self.started = time.monotonic()
        self.restart_at: float | None = None
        self.restarts = 0

    @property
    def process(self) -> subprocess.Popen:
        return self.servers.processes[0]

    def check(self) -> None:
        now = time.monotonic()
        if self.process.poll() is None:
            return
        if self.restart_at is None:
            if now - self.started >= STABLE_SECONDS:
                self.delay = FIRST_RESTART_DELAY
            self.say(
                f"The action server stopped (exit status {self.process.returncode}); "
                f"starting it again in {self.delay:g} s"
            )
            self.restart_at = now + self.delay
            return
        if now < self.restart_at:
            return
        self.restarts += 1
        log = self.log_dir / f"actions-restart-{self.restarts}.log"  # keeps the stopped one's
        self.servers.processes[0] = start_actions(self.port, log, self.env)
        self.on_log(log)
        self.say(f"Action server started again (restart {self.restarts}, log: {log})")
        self.started, self.restart_at = now, None
        self.delay = min(self.delay * 2, MAX_RESTART_DELAY)


def main() -> None:
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    action_port = int(os.environ.get("ACTION_PORT", "5055"))
    widget_port = int(os.environ.get("WIDGET_PORT", "8080"))
    review_port = int(os.environ.get("REVIEW_PORT", "8090"))
    # Staff data: loopback unless REVIEW_HOST says otherwise (then behind an HTTPS proxy).
    review_host = os.environ.get("REVIEW_HOST", DEFAULT_HOST)
    interface = os.environ.get("RASA_INTERFACE", "0.0.0.0")
    # The browser reaches Rasa at this address (the demo page is told it).
    public_rasa_url = os.environ.get("RASA_PUBLIC_URL", f"http://localhost:{rasa_port}")
    # Socket.io accepts the demo page's origin unless the clinic's sites are configured.
    demo_origins = f"http://localhost:{widget_port},http://127.0.0.1:{widget_port}"
    origins = os.environ.get("BOT_WIDGET_ORIGINS") or demo_origins
    log_dir = Path(os.environ.get("BOT_LOG_DIR") or PROJECT_DIR / "var" / "log")
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ, "BOT_WIDGET_ORIGINS": origins}
    follower = LogFollower()
    follower.follow(log_dir / "actions.log", "actions")
    follower.follow(log_dir / "rasa.log", "rasa")
    print(f"Starting the action server and Rasa (about half a minute; logs: {log_dir}) ...")
    try:
        with (
            running_servers(
                rasa_port=rasa_port,
                action_port=action_port,
                log_dir=log_dir,
                interface=interface,
                env=env,
            ) as servers,
            serving_widget(public_rasa_url, widget_port, interface) as _,
            serving(database_engine(), review_host, review_port) as review_url,
        ):
            _announce(servers, widget_port, origins, review_url)
            supervisor = ActionServerSupervisor(
                servers, action_port, env, log_dir, lambda log: follower.follow(log, "actions")
            )
            try:
                while servers.processes[1].poll() is None:
                    supervisor.check()
                    time.sleep(1)
            except KeyboardInterrupt:
                print("\nStopping ...")
                return
    except KeyboardInterrupt:  # during start-up: the servers started so far are stopped
        print("\nStopped.")
        return
    except (RuntimeError, TimeoutError) as error:  # a server did not start
        time.sleep(0.5)  # the follower's last lines first
        sys.exit(f"\nCould not start the assistant: {error}")
    time.sleep(0.5)
    sys.exit(f"Rasa stopped (exit status {servers.processes[1].returncode}); everything stopped.")


def _announce(servers: RunningServers, widget_port: int, origins: str, review_url: str) -> None:
    api = "on (token required)" if _api_enabled() else "off (set RASA_AUTH_TOKEN)"
    print(
        f"\nThe assistant is up.\n"
        f"  widget demo: http://localhost:{widget_port}/ (German: ?lang=de)\n"
        f"  REST:        POST {servers.rasa_url}/webhooks/rest/webhook "
        '{"sender": "me", "message": "my lower back hurts"}\n'
        f"  socket.io:   {servers.rasa_url}/socket.io (origins: {origins})\n"
        f"  HTTP API:    {api}\n"
        f"  staff review: {review_url} (accounts: python -m review_tool.accounts create)\n"
        f"  actions:     {servers.action_url}/webhook (pid {servers.processes[0].pid})\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )


def _api_enabled() -> bool:
    return bool(os.environ.get("RASA_AUTH_TOKEN") or os.environ.get("RASA_JWT_SECRET"))


if __name__ == "__main__":
    main()
