"""The project's own tables, beside Rasa's `events` table in the same database.

`conversation_summaries` has one row per conversation, kept up to date by the tracker store
on every save, so that the staff list can filter and page 100,000 conversations by index
instead of reading every event. The staff and audit tables belong to the review tool.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# What the marks of a summary mean (the tracker store sets them, the review tool explains them):
LOW_CONFIDENCE = 0.6  # `low_confidence`: a patient message's intent confidence was below this
FALLBACK_ACTION = "action_offer_topics"  # `fallback`: this ran (NLU fell back, or no rule fit)

conversation_summaries = sa.Table(
    "conversation_summaries",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(64)),
    sa.Column("started_at", sa.Float, nullable=False),  # unix time of the first event
    sa.Column("last_at", sa.Float, nullable=False),  # unix time of the latest event
    sa.Column("language", sa.String(8)),  # language of the latest patient message
    sa.Column("turns", sa.Integer, nullable=False, default=0),  # patient messages
    sa.Column("urgency", sa.String(16), nullable=False, default="none"),  # highest so far
    sa.Column("urgency_rank", sa.Integer, nullable=False, default=0),  # Urgency order, 0 = none
    # ",location,exercises," so that one topic is found with LIKE '%,exercises,%'
    sa.Column("topics", sa.String(512), nullable=False, default=","),
    sa.Column("escalated", sa.Boolean, nullable=False, default=False),
    sa.Column("fallback", sa.Boolean, nullable=False, default=False),
    sa.Column("low_confidence", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_summaries_last_at", "last_at"),
    sa.Index("ix_summaries_urgency_last_at", "urgency_rank", "last_at"),
    sa.Index("ix_summaries_language_last_at", "language", "last_at"),
)

staff_accounts = sa.Table(
    "staff_accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False, default="staff"),  # staff | admin
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.Float),  # unix time; None = not locked
    sa.Column("created_at", sa.Float, nullable=False),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    # the SHA-256 of the session cookie, so a database read does not yield live sessions
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("staff_accounts.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    # a staff username, or "system:retention" / "cli:<os user>" for commands
    sa.Column("actor", sa.String(128), nullable=False),
    # login, login_failed, logout, view, export, delete, retention, create_account
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(255)),  # a sender id, or a description of a list filter
    sa.Column("detail", sa.Text),
    sa.Index("ix_audit_at", "at"),
)
