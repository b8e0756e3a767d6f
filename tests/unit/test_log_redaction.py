"""Log records carry no personal data: message, arguments, exception and stack text are redacted
before a handler formats them, and Rasa's structlog events withhold the message text on errors."""

from __future__ import annotations

import io
import logging
import time

import pytest

from conversation_store import log_redaction
from conversation_store.log_redaction import (
    WITHHELD,
    PersonalDataFilter,
    redact_record,
    redact_structlog_event,
)

PHONE, NAME, EMAIL, IBAN = (
    "0171 1234567",
    "Anna Schmidt",
    "anna.schmidt@example.com",
    "DE89 3704 0044 0532 0130 00",
)
PERSONAL = (PHONE, NAME, EMAIL, IBAN, "Schmidt", "1234567", "3704")
SENTENCE = f"my name is {NAME}, mail {EMAIL}, phone {PHONE}, IBAN {IBAN}"


def assert_clean(text: str) -> None:
    assert not [datum for datum in PERSONAL if datum in text], text


@pytest.fixture
def logged():
    """A logger whose records go, through the filter, to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger("test_log_redaction")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_personal_data_in_the_message_is_redacted(logged):
    logger, stream = logged
    logger.warning(SENTENCE)
    out = stream.getvalue()
    assert_clean(out)
    assert "[name]" in out and "[email]" in out and "[phone]" in out and "[iban]" in out


def test_personal_data_in_the_arguments_is_redacted(logged):
    logger, stream = logged
    logger.error(
        "could not deliver %s to %s (%s): %r", f"Frau {NAME}", EMAIL, PHONE, {"iban": IBAN}
    )
    out = stream.getvalue()
    assert_clean(out)
    assert "could not deliver" in out


def test_personal_data_in_the_exception_text_is_redacted(logged):
    logger, stream = logged
    try:
        raise ValueError(f"bad metadata: {SENTENCE}")
    except ValueError:
        logger.exception("request failed")
    out = stream.getvalue()
    assert_clean(out)
    assert "Traceback" in out and "ValueError: bad metadata: my name is [name]" in out


def test_json_escaped_umlauts_do_not_hide_a_name():
    record = logging.LogRecord(
        "x", logging.ERROR, "f", 1, '{"text": "ich hei\\u00dfe J\\u00fcrgen"}', None, None
    )
    assert "J\\u00fcrgen" not in redact_record(record).getMessage()
    assert "[name]" in record.getMessage()


def test_a_record_without_personal_data_is_left_as_it_was():
    record = logging.LogRecord(
        "x", logging.INFO, "f", 1, "Loaded model %s in %d s", ("backpain", 12), None
    )
    assert redact_record(record).getMessage() == "Loaded model backpain in 12 s"


def test_arguments_that_do_not_fit_the_format_are_still_logged_redacted():
    record = logging.LogRecord("x", logging.INFO, "f", 1, "two %s %s", (EMAIL,), None)
    message = redact_record(record).getMessage()
    assert "two" in message and "[email]" in message and EMAIL not in message


def test_installed_every_record_of_the_process_is_redacted_whatever_handler_comes_later():
    before = logging.getLogRecordFactory()
    try:
        log_redaction.install()
        log_redaction.install()  # twice does not wrap twice
        assert getattr(logging.getLogRecordFactory(), "personal_data_redacted", False)
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)  # added after install, no filter of its own
        logger = logging.getLogger("test_log_redaction.late")
        logger.addHandler(handler)
        logger.propagate = False
        logger.error("%s wrote from %s", f"this is {NAME}", EMAIL)
        logger.removeHandler(handler)
        assert_clean(stream.getvalue())
    finally:
        logging.setLogRecordFactory(before)
        for root_handler in logging.getLogger().handlers:
            root_handler.removeFilter(log_redaction._FILTER)


def test_a_structlog_error_withholds_the_message_text_and_redacts_the_rest():
    event = {
        "event": "rest.message.received.timeout",
        "level": "error",
        "text": "hello there",
        "sender_id": EMAIL,
        "metadata": {"note": SENTENCE},
    }
    out = redact_structlog_event(None, "error", event)
    assert out["text"] == WITHHELD and out["event"] == "rest.message.received.timeout"
    assert out["sender_id"] == "[email]"
    assert_clean(str(out))


def test_a_structlog_debug_event_keeps_the_text_redacted():
    out = redact_structlog_event(None, "debug", {"event": "x", "text": SENTENCE})
    assert out["text"].startswith("my name is [name]")
    assert_clean(str(out))


def test_a_structlog_exception_becomes_a_redacted_traceback_without_local_variables():
    metadata = SENTENCE  # a local variable, as in rasa.core.channels.rest
    try:
        metadata.get("x")  # type: ignore[attr-defined]
    except AttributeError:
        out = redact_structlog_event(None, "exception", {"event": "failure", "text": "hi"})
    assert out["exc_info"] is False  # structlog renders no traceback (with locals) of its own
    assert "AttributeError" in out["exception"] and "metadata.get" in out["exception"]
    assert_clean(str(out))


def test_the_rasa_patch_refuses_another_rasa_version(monkeypatch):
    import rasa

    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match=r"Rasa 3\.7\.0 is installed"):
        log_redaction.install_in_rasa()


def test_the_filter_costs_little_per_record():
    messages = [f"Received user message with intent greet for conversation {n}" for n in range(200)]
    messages += [f"my name is Anna Schmidt, call 0171 {n:07d}" for n in range(200)]
    records = [logging.LogRecord("x", logging.INFO, "f", 1, m, None, None) for m in messages]
    start = time.perf_counter()
    for record in records:
        redact_record(record)
    per_record = (time.perf_counter() - start) / len(records)
    assert per_record < 0.001, f"{per_record * 1e6:.0f} µs per record"
