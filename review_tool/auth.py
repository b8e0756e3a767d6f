"""Logins, sessions, lock-out and CSRF tokens, all kept in the database.

The session cookie is a random token; the database keeps only its SHA-256, so a copy of the
database yields no live session. A session ends 8 hours after login at the latest and after
30 minutes without a request: `expires_at` holds the earlier of the two and moves forward on use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from conversation_store.schema import audit_log, staff_accounts, staff_sessions

from .accounts import DISABLED_PREFIX, DUMMY_HASH, verify_password

SESSION_ABSOLUTE = 8 * 3600
SESSION_IDLE = 30 * 60
# `expires_at` is rewritten at most once a minute, not on every request.
SESSION_BUMP_STEP = 60
MAX_FAILED_LOGINS = 5
LOCK_SECONDS = 15 * 60
# One message for an unknown name, a wrong password, a disabled and a locked account, so
# that the login form does not tell which user names exist.
LOGIN_FAILED = (
    "The user name or password is wrong, or the account is locked. "
    f"After {MAX_FAILED_LOGINS} failed attempts an account is locked for "
    f"{LOCK_SECONDS // 60} minutes."
)


@dataclass(frozen=True)
class Staff:
    account_id: int
    username: str
    role: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def audit(
    engine: sa.engine.Engine,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    with engine.begin() as connection:
        connection.execute(
            audit_log.insert().values(
                at=time.time(),
                actor=actor[:128],
                action=action,
                target=target[:255] if target else None,
                detail=detail,
            )
        )


def login(engine: sa.engine.Engine, username: str, password: str, client: str = "") -> str | None:
    """A new session token, or None. Every attempt, good or bad, goes to the audit log.

    The attempt is counted before the password is checked, in one conditional UPDATE (atomic
    on SQLite and PostgreSQL), so parallel attempts cannot check more than MAX_FAILED_LOGINS
    passwords. Unknown, disabled, locked and wrong-password logins all run one scrypt
    verification, so the response time does not tell them apart.
    """
    now = time.time()
    username = username.strip()[:64]
    with engine.begin() as connection:
        claimed = connection.execute(_claim_attempt(username, now)).rowcount == 1
    with engine.connect() as connection:
        account = connection.execute(
            sa.select(staff_accounts).where(staff_accounts.c.username == username)
        ).first()
    disabled = account is not None and account.password_hash.startswith(DISABLED_PREFIX)
    usable = account is not None and claimed and not disabled
    matches = verify_password(password, account.password_hash if usable else DUMMY_HASH)
    detail = f"client={client}" if client else None
    if account is None:
        # the typed name is not stored: it may be a password typed into the wrong field
        audit(engine, "-", "login_failed", None, _join(detail, "unknown user"))
        return None
    if not claimed:
        audit(engine, username, "login_failed", username, _join(detail, "locked"))
        return None
    if not (usable and matches):
        why = "disabled" if disabled else "wrong password"
        audit(engine, username, "login_failed", username, _join(detail, why))
        return None
    token = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(
            staff_accounts.update()
            .where(staff_accounts.c.id == account.id)
            .values(failed_logins=0, locked_until=None)
        )
        connection.execute(
            staff_sessions.insert().values(
                token_hash=token_hash(token),
                account_id=account.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + min(SESSION_IDLE, SESSION_ABSOLUTE),
            )
        )
        # Expired sessions of anyone are cleared here, the only place sessions are made.
        connection.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < now))
    audit(engine, username, "login", username, detail)
    return token


def _join(*parts: str | None) -> str | None:
    return "; ".join(p for p in parts if p) or None


def _claim_attempt(username: str, now: float) -> sa.sql.Update:
    """Count one attempt on an account that is not locked; no row changes if it is locked (or
    unknown). The attempt that reaches MAX_FAILED_LOGINS locks the account; a good password
    sets the count back to 0. An expired lock starts a new count."""
    c = staff_accounts.c
    count = sa.case((c.locked_until.is_not(None), 1), else_=c.failed_logins + 1)
    return (
        staff_accounts.update()
        .where(c.username == username, sa.or_(c.locked_until.is_(None), c.locked_until <= now))
        .values(
            failed_logins=count,
            locked_until=sa.case(
                (count >= MAX_FAILED_LOGINS, sa.literal(now + LOCK_SECONDS, sa.Float)),
                else_=sa.null(),
            ),
        )
    )


def session_staff(engine: sa.engine.Engine, token: str | None) -> Staff | None:
    """The logged-in staff member for a cookie, extending the idle deadline; None if expired."""
    if not token:
        return None
    now = time.time()
    hashed = token_hash(token)
    query = (
        sa.select(
            staff_sessions.c.csrf_token,
            staff_sessions.c.created_at,
            staff_sessions.c.expires_at,
            staff_accounts.c.id,
            staff_accounts.c.username,
            staff_accounts.c.role,
        )
        .select_from(staff_sessions.join(staff_accounts))
        .where(staff_sessions.c.token_hash == hashed)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.expires_at <= now:
        return None
    new_expiry = min(row.created_at + SESSION_ABSOLUTE, now + SESSION_IDLE)
    if new_expiry - row.expires_at >= SESSION_BUMP_STEP:
        with engine.begin() as connection:
            connection.execute(
                staff_sessions.update()
                .where(staff_sessions.c.token_hash == hashed)
                .values(expires_at=new_expiry)
            )
    return Staff(row.id, row.username, row.role, row.csrf_token)


def logout(engine: sa.engine.Engine, token: str, staff: Staff) -> None:
    with engine.begin() as connection:
        connection.execute(
            staff_sessions.delete().where(staff_sessions.c.token_hash == token_hash(token))
        )
    audit(engine, staff.username, "logout", staff.username)


def csrf_ok(expected: str, submitted: object) -> bool:
    return isinstance(submitted, str) and hmac.compare_digest(
        expected.encode("utf-8"), submitted.encode("utf-8")
    )
