"""`make run-cluster`: the assistant as a clinic group would run it on several machines, here
on one: N Rasa replicas and M action servers behind nginx, sharing one PostgreSQL tracker
store, one Redis lock store, one model and one pseudonym key.

    .venv/bin/python -m tools.cluster [--rasa-replicas 2] [--port 8000] [--database-url URL]

Any replica may get any message (REST and messaging webhooks are balanced); Rasa's Redis lock
makes the messages of one conversation wait for each other, so two of them are never
processed at once on different replicas. socket.io connections stick to one replica (nginx).
Logs and generated configuration go to build/cluster/.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from conversation_store.database import URL_ENV, database_url, safe_url
from conversation_store.pseudonyms import KEY_ENV, MIN_KEY_LENGTH

from .cluster_config import (
    LOCK_STORES,
    REDIS_PASSWORD_ENV,
    lock_store_yaml,
    nginx_conf,
    redis_conf,
)
from .credentials import active_connectors
from .postgres_server import temporary_postgres
from .servers import (
    CREDENTIALS,
    MODEL,
    PROJECT_DIR,
    _stop,
    _wait_until_up,
    action_health_url,
    free_port,
    rasa_health_url,
    start_actions,
    start_rasa,
    write_endpoints,
)

CLUSTER_DIR = PROJECT_DIR / "build" / "cluster"
NGINX = Path(os.environ.get("NGINX", "/usr/sbin/nginx"))
REDIS_SERVER = Path(os.environ.get("REDIS_SERVER", "/usr/bin/redis-server"))
# Rasa's ticket lock lifetime (TICKET_LOCK_LIFETIME; Rasa's default 60 s). A ticket expires
# this long after it was issued, even while its holder is still working, so it must exceed
# the slowest turn, or a second message could overtake the first. It is also how long a
# conversation stays blocked when a replica dies holding its lock: shorter is better there.
# Turns take well under a few seconds; 20 s leaves a wide margin.
DEFAULT_LOCK_LIFETIME = 20


@dataclass(frozen=True)
class Replica:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """How nginx's replica header ($upstream_addr) names it."""
        return f"127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Cluster:
    url: str  # nginx: the one address clients use
    rasa: list[Replica]
    actions: list[Replica]
    database_url: str
    id_key: str
    lock_lifetime: int
    log_dir: Path

    def replica_named_by(self, header: str) -> Replica:
        """The replica that answered, from nginx's replica header: the last address it tried."""
        address = header.split(",")[-1].strip()
        return next(r for r in self.rasa if r.address == address)


def _check_binary(path: Path, package: str) -> None:
    if not path.is_file():
        raise SystemExit(
            f"{path} not found: install the Debian package {package} (make system-deps)"
        )


@contextmanager
def _process(
    command: list[str], log: Path, stop_signal: signal.Signals = signal.SIGTERM
) -> Iterator[subprocess.Popen]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(stop_signal)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def _stopping(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    try:
        yield process
    finally:
        _stop(process)  # SIGINT: Rasa and the action server shut down cleanly on it


def _start_redis(stack: ExitStack, folder: Path, password: str) -> int:
    _check_binary(REDIS_SERVER, "redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = folder / "redis.conf"
    config.touch(mode=0o600)  # it holds the password
    config.write_text(redis_conf(folder, port, password))
    stack.enter_context(_process([str(REDIS_SERVER), str(config)], folder / "redis.log"))
    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return port
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis did not start: see {folder / 'redis.log'}") from None
            time.sleep(0.2)


def _start_nginx(stack: ExitStack, prefix: Path, config: str, port: int) -> None:
    _check_binary(NGINX, "nginx")
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "temp").mkdir(exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(config)
    command = [str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    # SIGQUIT: graceful; requests in progress are finished first.
    process = stack.enter_context(_process(command, prefix / "nginx.log", signal.SIGQUIT))
    _wait_until_up(f"http://127.0.0.1:{port}/healthz", process, prefix / "error.log", 20)


@contextmanager
def running_cluster(
    rasa_replicas: int = 2,
    action_replicas: int = 2,
    port: int | None = None,
    log_dir: Path | None = None,
    postgres_dir: Path | None = None,
    database: str | None = None,
    id_key: str | None = None,
    lock_lifetime: int = DEFAULT_LOCK_LIFETIME,
    lock_store: str = "atomic",
    env: Mapping[str, str] | None = None,
    model: Path = MODEL,
    credentials: Path = CREDENTIALS,
    timeout: float = 300,
) -> Iterator[Cluster]:
    """The whole cluster, up and answering through nginx, for the `with` block; stopped in
    order afterwards: nginx, Rasa replicas, action servers, Redis, PostgreSQL.

    `database`: an existing PostgreSQL URL; else a throw-away server in `postgres_dir` (or a
    temporary folder). `id_key`: the pseudonym key every replica gets; else a new one.
    `lock_store`: a key of cluster_config.LOCK_STORES. `env` is added to the environment
    of the Rasa and action servers.
    """
    if rasa_replicas < 1 or action_replicas < 1:
        raise ValueError("at least one Rasa replica and one action server")
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="backpain-cluster-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    id_key = id_key or secrets.token_hex(32)
    if len(id_key) < MIN_KEY_LENGTH:
        raise ValueError(f"{KEY_ENV} must have at least {MIN_KEY_LENGTH} characters")
    with ExitStack() as stack:
        if database is None:
            postgres = stack.enter_context(temporary_postgres(root=postgres_dir))
            database = postgres.create_database("backpain")
        redis_password = secrets.token_urlsafe(24)
        redis_port = _start_redis(stack, log_dir / "redis", redis_password)
        server_env = {
            **os.environ,
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **(env or {}),
            URL_ENV: database,
            KEY_ENV: id_key,
            "TICKET_LOCK_LIFETIME": str(lock_lifetime),
            REDIS_PASSWORD_ENV: redis_password,
        }
        database_url(server_env)  # a malformed URL fails here, not in every replica

        actions = []
        for number in range(1, action_replicas + 1):
            action_port, log = free_port(), log_dir / f"actions-{number}.log"
            process = start_actions(action_port, log, server_env, own_session=True)
            stack.enter_context(_stopping(process))
            actions.append(Replica(f"actions-{number}", action_port, process, log))

        action_proxy_port = free_port()  # nginx's internal listener for the action servers
        endpoints = write_endpoints(
            log_dir / "endpoints.yml",
            f"http://127.0.0.1:{action_proxy_port}/webhook",
            server_env,
            extra=lock_store_yaml(redis_port, lock_store),
        )
        channels = active_connectors(credentials, server_env).write(log_dir / "credentials.yml")
        replicas = []
        # All replicas load the model at once: the start takes about as long as one.
        for number in range(1, rasa_replicas + 1):
            rasa_port, log = free_port(), log_dir / f"rasa-{number}.log"
            process = start_rasa(
                rasa_port,
                endpoints=endpoints,
                credentials=channels,
                log=log,
                env=server_env,
                model=model,
                own_session=True,
            )
            stack.enter_context(_stopping(process))
            replicas.append(Replica(f"rasa-{number}", rasa_port, process, log))
        # Registered last, so stopped first: no new requests reach replicas shutting down.
        _start_nginx(
            stack,
            log_dir / "nginx",
            nginx_conf(
                log_dir / "nginx",
                port,
                [r.port for r in replicas],
                action_proxy_port,
                [a.port for a in actions],
            ),
            port,
        )
        for action in actions:
            _wait_until_up(action_health_url(action.port), action.process, action.log, timeout)
        for replica in replicas:
            _wait_until_up(rasa_health_url(replica.port), replica.process, replica.log, timeout)
        yield Cluster(
            url=f"http://127.0.0.1:{port}",
            rasa=replicas,
            actions=actions,
            database_url=database,
            id_key=id_key,
            lock_lifetime=lock_lifetime,
            log_dir=log_dir,
        )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cluster", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rasa-replicas", type=int, default=2, metavar="N")
    parser.add_argument("--action-replicas", type=int, default=2, metavar="N")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8000")))
    parser.add_argument(
        "--database-url",
        help=f"an existing PostgreSQL database (default: ${URL_ENV} if it names PostgreSQL, "
        "else a throw-away server in build/cluster/postgres); needs $" + KEY_ENV,
    )
    parser.add_argument(
        "--lock-lifetime",
        type=int,
        default=int(os.environ.get("TICKET_LOCK_LIFETIME") or DEFAULT_LOCK_LIFETIME),
        metavar="SECONDS",
        help="how long a conversation lock lives at most (default %(default)s)",
    )
    parser.add_argument(
        "--lock-store",
        choices=sorted(LOCK_STORES),
        default="atomic",
        help="atomic (default): conversation_store.lock_store; rasa: Rasa's RedisLockStore, "
        "which lets two replicas into one conversation when its messages arrive at once",
    )
    parser.add_argument("--log-dir", type=Path, default=CLUSTER_DIR)
    return parser.parse_args(argv)


def _database(arguments: argparse.Namespace) -> str | None:
    """The existing database to use, or None for a throw-away one."""
    url = arguments.database_url or os.environ.get(URL_ENV, "")
    if not url:
        return None
    if not url.startswith("postgresql"):
        if arguments.database_url:
            raise SystemExit("--database-url: replicas on several machines need PostgreSQL")
        print(f"Ignoring {URL_ENV} ({safe_url(url)}): the cluster needs PostgreSQL.")
        return None
    if not os.environ.get(KEY_ENV):
        # A new key would detach every conversation already stored from its patient.
        raise SystemExit(f"set {KEY_ENV} to the key the database's conversations were stored with")
    return url


def _raise_keyboard_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    arguments = _arguments(argv)
    database = _database(arguments)
    # `kill` (SIGTERM) stops the cluster as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    log_dir: Path = arguments.log_dir
    print(
        f"Starting {arguments.rasa_replicas} Rasa replicas, {arguments.action_replicas} "
        "action servers, nginx, Redis and "
        + ("PostgreSQL" if database is None else safe_url(database))
        + " (about a minute: the replicas load the model in parallel) ..."
    )
    try:
        with running_cluster(
            rasa_replicas=arguments.rasa_replicas,
            action_replicas=arguments.action_replicas,
            port=arguments.port,
            log_dir=log_dir,
            postgres_dir=log_dir / "postgres",
            database=database,
            id_key=os.environ.get(KEY_ENV) or None,
            lock_lifetime=arguments.lock_lifetime,
            lock_store=arguments.lock_store,
        ) as cluster:
            _report(cluster, key_given=bool(os.environ.get(KEY_ENV)))
            _watch(cluster)
    except KeyboardInterrupt:
        pass
    print(f"Stopped. Logs: {log_dir}/")


def _report(cluster: Cluster, key_given: bool) -> None:
    replicas = "\n".join(f"    {r.name}: {r.url} (log {r.log})" for r in cluster.rasa)
    actions = "\n".join(f"    {a.name}: {a.url}/webhook (log {a.log})" for a in cluster.actions)
    key = "from BOT_ID_KEY" if key_given else "generated for this run (set BOT_ID_KEY to keep one)"
    print(
        f"\nThe cluster is up.\n"
        f"  REST:       POST {cluster.url}/webhooks/rest/webhook "
        '{"sender": "me", "message": "my lower back hurts"}\n'
        f"  socket.io:  {cluster.url}/socket.io (sticky per client address)\n"
        f"  webhooks:   {cluster.url}/webhooks/<channel>/webhook\n"
        f"  health:     {cluster.url}/health (a replica answers), {cluster.url}/healthz (nginx)\n"
        f"  replicas (direct, loopback):\n{replicas}\n"
        f"  action servers:\n{actions}\n"
        f"  database:   {safe_url(cluster.database_url)}\n"
        f"  locks:      Redis, lifetime {cluster.lock_lifetime} s; pseudonym key {key}\n"
        f"  logs:       {cluster.log_dir}/ (nginx/access.log names the replica of each request)\n"
        "Press Ctrl-C to stop."
    )


def _watch(cluster: Cluster) -> None:
    """Until Ctrl-C. A replica that dies is reported and the rest go on serving (that is the
    point of a cluster); with no Rasa replica left the cluster stops."""
    reported: set[str] = set()
    while True:
        for server in cluster.rasa + cluster.actions:
            if server.process.poll() is not None and server.name not in reported:
                reported.add(server.name)
                print(f"{server.name} exited ({server.process.returncode}); see {server.log}")
        if all(r.process.poll() is not None for r in cluster.rasa):
            print("No Rasa replica left; stopping.")
            return
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
