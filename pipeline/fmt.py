"""Dutch number and date formatting for the report (rounding happens here, and only here).

``None`` (no data) is shown as ``–``. Decimal comma, a dot between thousands (Dutch CLDR rules
through babel), percentages as ``42%`` (no space, as the 2018-2020 report writes them).
"""

from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "nl_NL"
MISSING = "–"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _round_half_up(value: float, decimals: int) -> float:
    """Round half away from zero (2,5 → 3), as people and SPSS tables expect, not banker's rounding."""
    factor = 10**decimals
    return math.copysign(math.floor(abs(value) * factor + 0.5 + 1e-9) / factor, value)


def fmt_number(value: object, decimals: int = 1) -> str:
    """``1234.56`` → ``1.234,6`` (``decimals`` places, half away from zero)."""
    if _missing(value):
        return MISSING
    rounded = _round_half_up(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(rounded, format=pattern, locale=LOCALE)


def fmt_int(value: object) -> str:
    """A count: ``1234`` → ``1.234``."""
    if _missing(value):
        return MISSING
    return format_decimal(int(round(float(value))), format="#,##0", locale=LOCALE)


def fmt_pct(value: object, decimals: int = 0) -> str:
    """A percentage on the 0-100 scale: ``42.4`` → ``42%``."""
    if _missing(value):
        return MISSING
    return f"{fmt_number(value, decimals)}%"


def fmt_date(value: object) -> str:
    """``2021-01-01`` → ``1 januari 2021``."""
    if _missing(value):
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, format="d MMMM y", locale=LOCALE)
