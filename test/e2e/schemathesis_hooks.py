"""Generators for the string formats carelog's OpenAPI documents declare (README, "OpenAPI
documents"), so that schemathesis's valid input is valid by the rules JSON Schema cannot state:
a modulus 11 check digit, text without the characters carelog refuses, a plausible time.
Loaded by test/e2e/schemathesis.toml (`hooks`)."""

import base64
import json
from datetime import date, datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st


def _with_check_digit(digits: list[int]) -> str | None:
    """An NHS number from nine digits and its modulus 11 check digit; None where there is none."""
    check = 11 - sum(digit * (10 - place) for place, digit in enumerate(digits)) % 11
    if check == 10:
        return None
    return "".join(map(str, digits)) + str(0 if check == 11 else check)


# 10 digits, modulus 11, not one repeated digit (libs/domain/src/nhs-number.ts).
schemathesis.openapi.format(
    "nhs-number",
    st.lists(st.integers(0, 9), min_size=9, max_size=9)
    .map(_with_check_digit)
    .filter(lambda number: number is not None and len(set(number)) > 1),
)

# What libs/domain/src/boundary/text.ts refuses: C0 and C1 controls and DEL, bidirectional
# embeddings, overrides and isolates, U+FFFE and U+FFFF, lone surrogates (the utf-8 codec leaves
# them out); short text also tab, newline and the line and paragraph separators.
_REFUSED = "".join(
    chr(code)
    for code in [
        *range(0x00, 0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0xFFFE,
        0xFFFF,
    ]
)
# Text is taken as stated: white space at either end is trimmed before it is counted (a reason
# of at least 10 characters is 10 after trimming), so generated text has none there. The set is
# JavaScript's String.prototype.trim (Python's str.isspace differs: it leaves U+FEFF).
_TRIMMED = (
    " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def _stated(refused: str) -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_characters=refused)).map(
        lambda text: text.strip(_TRIMMED)
    )


schemathesis.openapi.format("free-text", _stated(_REFUSED + "\r"))
schemathesis.openapi.format("text", _stated(_REFUSED + "\t\n\r\u2028\u2029"))

# Times and dates carelog takes: RFC 3339 with an offset, from 1900 to now (clinical time is
# never in the future; libs/domain/src/boundary/date-time.ts).
_EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        min_value=_EARLIEST.replace(tzinfo=None),
        max_value=(datetime.now(timezone.utc) - timedelta(hours=1)).replace(tzinfo=None),
    ).map(lambda moment: moment.replace(microsecond=0).isoformat() + "Z"),
)
schemathesis.openapi.format(
    "date",
    st.dates(min_value=date(1900, 1, 1), max_value=date.today()).map(lambda day: day.isoformat()),
)

# A page cursor as the record and task list return one (libs/domain/src/boundary/page-cursor.ts):
# opaque to clients, here one for any time and id, which pages from there.
schemathesis.openapi.format(
    "page-cursor",
    st.tuples(
        st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
        st.uuids(),
    ).map(
        lambda position: base64.urlsafe_b64encode(
            json.dumps(
                [position[0].isoformat(timespec="milliseconds") + "Z", str(position[1])],
                separators=(",", ":"),
            ).encode()
        )
        .decode()
        .rstrip("=")
    ),
)
