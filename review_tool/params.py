"""Query parameters and form fields, checked before they reach the database or a header.

A malformed or out-of-range value is refused with BadParameter (the server answers 400 with
its message, which names the parameter), never passed on to fail as a 500: SQLite refuses
integers beyond 64 bits, PostgreSQL any text with a NUL character, and Python's local-time
conversion days before 1970 or in the year 9999 in some time zones.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from datetime import date

# audit_log.id is an INTEGER column: 32 bits on PostgreSQL.
MAX_ROW_ID = 2**31 - 1
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)
DEFAULT_PAGE = "/conversations"


class BadParameter(ValueError):
    """A request parameter the tool cannot use; the message names it and says why."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"The parameter {name!r} {problem}.")


def text(values: Mapping[str, str], name: str) -> str:
    """A text parameter ('' if absent) that both databases can compare: no NUL, no lone
    surrogate."""
    value = values.get(name, "")
    if "\x00" in value or any(unicodedata.category(ch) == "Cs" for ch in value):
        raise BadParameter(name, "contains a character that cannot be stored (NUL or surrogate)")
    return value


def row_id(values: Mapping[str, str], name: str) -> int | None:
    """A positive database row id, or None if absent or empty."""
    value = values.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ROW_ID:
        raise BadParameter(name, f"must be a whole number from 1 to {MAX_ROW_ID}")
    return int(value)


def day(values: Mapping[str, str], name: str) -> date | None:
    """A date as YYYY-MM-DD between 1970 and 9999, or None if absent or empty."""
    value = values.get(name, "")
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or not FIRST_DAY <= parsed <= LAST_DAY:
        raise BadParameter(name, f"must be a date (YYYY-MM-DD) from {FIRST_DAY} to {LAST_DAY}")
    return parsed


def finite_number(values: Mapping[str, str], name: str) -> float | None:
    """A finite decimal number (a page cursor's time), or None if absent or empty."""
    value = values.get(name, "")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise BadParameter(name, "must be a finite number")
    return number


def same_site_path(target: str | None) -> str:
    """`target` if it is a path of this site, else the default page. Refused: anything not
    starting with a single "/", any "//" or backslash (browsers read both as another host),
    and control characters (browsers drop tabs and newlines, so "/\\t/evil" becomes
    "//evil"; a newline in a Location header also breaks the response)."""
    if (
        not target
        or not target.startswith("/")
        or "//" in target
        or "\\" in target
        or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in target)
    ):
        return DEFAULT_PAGE
    return target
