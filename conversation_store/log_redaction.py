"""Personal data out of the server logs: every log record is redacted before any handler sees it.

`install()` (both processes: tools.rasa_server and tools.action_server) wraps the log record
factory, so that each record that passes its logger's level has its message, arguments,
exception text and stack text redacted with the same rules as stored conversations
(conversation_store.redaction). A record factory rather than a filter on the root handlers,
because Rasa (`logging.basicConfig`), rasa_sdk (coloredlogs) and Sanic add their handlers after
start-up; `PersonalDataFilter` does the same for a handler that someone adds by hand.

`install_in_rasa()` also changes Rasa's structlog chain, where most of Rasa's own error logging
goes ("rest.message.received.failure", text=...). It replaces the private processor
`rasa.utils.log_utils._anonymizer` (the first processor `configure_structlog` builds, an
extension point that only Rasa Pro fills) by `redact_structlog_event`, which
- withholds the message text (Rasa's keys `text`, `user_text`, `message`, ...) of events at
  warning level and above: an error says that a turn failed, not what the patient wrote;
- redacts every other string value;
- turns `exc_info` into a plain, redacted traceback, because structlog's `dict_tracebacks`
  would otherwise log the local variables of every frame (the metadata and text of a request).
It refuses to run on a Rasa version other than the one it was written for (3.6.21).
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

from conversation_store.redaction import FAILED, redact_text, redact_value

RASA_VERSION = "3.6.21"
# the keys under which Rasa's structlog events carry what a patient wrote (from
# rasa.utils.log_utils._anonymizer)
MESSAGE_TEXT_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
    }
)
WITHHELD = "[withheld]"
_WITHHOLD_AT = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})
_REDACTED = "personal_data_redacted"  # set on a record once, so a filter does not redo it
# structlog's JSONRenderer writes "ü" as "\u00fc": the rules need the letters to find a name
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _unescaped(text: str) -> str:
    return _JSON_ESCAPE.sub(_escaped_char, text) if "\\u" in text else text


def _escaped_char(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # keep surrogate pairs


def redact_log_text(text: str) -> str:
    """The text with personal data replaced; JSON escapes are read as the letters they are."""
    plain = _unescaped(text)
    redacted = redact_text(plain)
    return text if redacted == plain else redacted


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record, changed in place: message (with its arguments), exception and stack text."""
    if getattr(record, _REDACTED, False):
        return record
    setattr(record, _REDACTED, True)
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the format: log both, redacted
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = redact_log_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_info or record.exc_text:
        # the formatters add exc_text when exc_info is gone, and do not format it again
        record.exc_info = None
        record.exc_text = redact_log_text(record.exc_text or "")
    if record.stack_info:
        record.stack_info = redact_log_text(record.stack_info)
    return record


class PersonalDataFilter(logging.Filter):
    """Redacts each record it sees (for a handler added by hand; `install` covers the rest)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            redact_record(record)
        except Exception:  # never let a record through unredacted, never drop it silently
            record.msg, record.args, record.exc_info, record.exc_text = FAILED, None, None, None
        return True


_FILTER = PersonalDataFilter()


def install() -> None:
    """Redact every log record of this process (idempotent); also the present root handlers."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, _REDACTED, False):
        logging.setLogRecordFactory(_redacting_factory(factory))
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def _redacting_factory(
    make_record: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _FILTER.filter(record)
        return record

    setattr(redacting_factory, _REDACTED, True)
    return redacting_factory


# --- Rasa's structlog events ------------------------------------------------------------------


def redact_structlog_event(_: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: message text withheld on warnings and errors, the rest redacted,
    the exception as a redacted traceback without local variables."""
    level = str(event_dict.get("level", method_name)).lower()
    withhold = level in _WITHHOLD_AT or method_name in _WITHHOLD_AT
    exc_info = event_dict.pop("exc_info", None)
    if method_name == "exception" and exc_info is None:
        exc_info = True
    redacted: dict[str, Any] = {}
    for key, value in event_dict.items():
        if withhold and key in MESSAGE_TEXT_KEYS:
            redacted[key] = WITHHELD
        elif isinstance(value, str):
            redacted[key] = redact_log_text(value)
        else:
            redacted[key] = redact_value(value)
    if exc_info:
        redacted["exception"] = redact_log_text(_traceback_text(exc_info))
    redacted["exc_info"] = False  # set: structlog's set_exc_info and dict_tracebacks skip it
    return redacted


def _traceback_text(exc_info: Any) -> str:
    if isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    elif not isinstance(exc_info, tuple):
        exc_info = sys.exc_info()
    if exc_info[0] is None:
        return ""
    return "".join(traceback.format_exception(*exc_info)).rstrip("\n")


def install_in_rasa() -> None:
    """`install`, and Rasa's structlog events redacted (call before Rasa configures logging)."""
    import rasa
    import rasa.utils.log_utils as log_utils

    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(
            f"conversation_store.log_redaction replaces rasa.utils.log_utils._anonymizer of "
            f"Rasa {RASA_VERSION}, but Rasa {rasa.__version__} is installed: check that "
            f"configure_structlog still calls it first, then update RASA_VERSION"
        )
    install()
    log_utils._anonymizer = redact_structlog_event  # type: ignore[assignment]
