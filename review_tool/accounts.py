"""Staff accounts: password hashing, and the command line that creates and manages accounts.

Accounts are only ever made here, by someone with access to the server; the web tool has no
sign-up page. Usage:
    python -m review_tool.accounts create USERNAME [--admin] [--password-stdin]
    python -m review_tool.accounts list
    python -m review_tool.accounts reset-password USERNAME [--password-stdin]
    python -m review_tool.accounts disable USERNAME | enable USERNAME | delete USERNAME
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import os
import secrets
import sys
import time
from datetime import datetime

import sqlalchemy as sa

from conversation_store.schema import audit_log, staff_accounts, staff_sessions

# scrypt with N=2^15, r=8, p=1 takes 32 MiB and ~0.1 s: OWASP's minimum for scrypt. The
# parameters travel in the hash string, so raising them later leaves old hashes verifiable.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 12
# A disabled account keeps its hash behind this prefix (like `passwd -l`), so that enabling it
# restores the old password and no column needs to be added to the shared schema.
DISABLED_PREFIX = "!"
ROLES = ("staff", "admin")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # maxmem must exceed 128 * n * r * p, or OpenSSL refuses the default 32 MiB cap
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=256 * n * r * p
    )


def hash_password(password: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """`scrypt$n=32768,r=8,p=1$<salt>$<key>`, salt and key in unpadded base64."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, n, r, p, KEY_BYTES)
    return f"scrypt$n={n},r={r},p={p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True if `password` matches; False for a disabled account or a malformed hash."""
    try:
        scheme, params, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        values = dict(item.split("=", 1) for item in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        expected = _unb64(key)
        actual = _scrypt(password, _unb64(salt), n, r, p, len(expected))
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(actual, expected)


# Verified against when the user name is unknown, so that a wrong name takes as long as a
# wrong password and the response time does not tell which names exist.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"cli:{user}"


def _audit(connection: sa.engine.Connection, action: str, target: str, detail: str = "") -> None:
    connection.execute(
        audit_log.insert().values(
            at=time.time(), actor=cli_actor(), action=action, target=target, detail=detail or None
        )
    )


def create_account(engine: sa.engine.Engine, username: str, password: str, role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    check_password_strength(password)
    with engine.begin() as connection:
        result = connection.execute(
            staff_accounts.insert().values(
                username=username,
                password_hash=hash_password(password),
                role=role,
                failed_logins=0,
                locked_until=None,
                created_at=time.time(),
            )
        )
        _audit(connection, "create_account", username, f"role={role}")
        return int(result.inserted_primary_key[0])


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _account_id(connection: sa.engine.Connection, username: str) -> int:
    row = connection.execute(
        sa.select(staff_accounts.c.id).where(staff_accounts.c.username == username)
    ).first()
    if row is None:
        raise LookupError(f"no account named {username!r}")
    return int(row.id)


def _end_sessions(connection: sa.engine.Connection, account_id: int) -> None:
    connection.execute(staff_sessions.delete().where(staff_sessions.c.account_id == account_id))


def reset_password(engine: sa.engine.Engine, username: str, password: str) -> None:
    """A new password; also unlocks and enables the account, and ends its sessions."""
    check_password_strength(password)
    with engine.begin() as connection:
        account_id = _account_id(connection, username)
        connection.execute(
            staff_accounts.update()
            .where(staff_accounts.c.id == account_id)
            .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
        )
        _end_sessions(connection, account_id)
        _audit(connection, "reset_password", username)


def set_disabled(engine: sa.engine.Engine, username: str, disabled: bool) -> None:
    with engine.begin() as connection:
        account_id = _account_id(connection, username)
        stored = connection.execute(
            sa.select(staff_accounts.c.password_hash).where(staff_accounts.c.id == account_id)
        ).scalar_one()
        bare = stored.lstrip(DISABLED_PREFIX)
        new = DISABLED_PREFIX + bare if disabled else bare
        connection.execute(
            staff_accounts.update()
            .where(staff_accounts.c.id == account_id)
            .values(password_hash=new, failed_logins=0, locked_until=None)
        )
        if disabled:
            _end_sessions(connection, account_id)
        _audit(connection, "disable_account" if disabled else "enable_account", username)


def delete_account(engine: sa.engine.Engine, username: str) -> None:
    """Removes the account and its sessions; the audit log keeps its name as plain text."""
    with engine.begin() as connection:
        account_id = _account_id(connection, username)
        _end_sessions(connection, account_id)
        connection.execute(staff_accounts.delete().where(staff_accounts.c.id == account_id))
        _audit(connection, "delete_account", username)


def list_accounts(engine: sa.engine.Engine) -> list[dict]:
    now = time.time()
    with engine.connect() as connection:
        rows = connection.execute(sa.select(staff_accounts).order_by(staff_accounts.c.username))
        return [
            {
                "username": row.username,
                "role": row.role,
                "disabled": row.password_hash.startswith(DISABLED_PREFIX),
                "locked": bool(row.locked_until and row.locked_until > now),
                "created_at": row.created_at,
            }
            for row in rows
        ]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise ValueError("the passwords differ")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m review_tool.accounts",
        description="Manage the staff accounts of the review tool (database: BOT_DATABASE_URL).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an account")
    create.add_argument("username")
    create.add_argument("--admin", action="store_true", help="may read the audit log and delete")
    create.add_argument("--password-stdin", action="store_true", help="read one line from stdin")
    reset = commands.add_parser("reset-password", help="set a new password, unlock and enable")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    for name, text in (
        ("disable", "refuse logins and end the account's sessions"),
        ("enable", "allow logins again with the old password"),
        ("delete", "remove the account (the audit log keeps its name)"),
    ):
        commands.add_parser(name, help=text).add_argument("username")
    commands.add_parser("list", help="list the accounts")
    return parser


def main(argv: list[str] | None = None, engine: sa.engine.Engine | None = None) -> int:
    args = _parser().parse_args(argv)
    if engine is None:
        from conversation_store.database import connect

        engine = connect()  # BOT_DATABASE_URL; creates the staff tables on first use
    try:
        if args.command == "create":
            password = _read_password(args.password_stdin)
            create_account(engine, args.username, password, "admin" if args.admin else "staff")
            print(f"Created {'admin' if args.admin else 'staff'} account {args.username!r}")
        elif args.command == "reset-password":
            reset_password(engine, args.username, _read_password(args.password_stdin))
            print(f"New password set for {args.username!r}; its sessions were ended")
        elif args.command in ("disable", "enable"):
            set_disabled(engine, args.username, args.command == "disable")
            print(f"Account {args.username!r} {args.command}d")
        elif args.command == "delete":
            delete_account(engine, args.username)
            print(f"Account {args.username!r} deleted")
        else:
            for account in list_accounts(engine):
                marks = [m for m in ("disabled", "locked") if account[m]]
                created = datetime.fromtimestamp(account["created_at"]).strftime("%Y-%m-%d")
                print(f"{account['username']:<24} {account['role']:<6} {created} {' '.join(marks)}")
    except sa.exc.IntegrityError:
        print(f"error: an account named {args.username!r} exists already", file=sys.stderr)
        return 1
    except (ValueError, LookupError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
