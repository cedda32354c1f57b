"""User-supplied names: validated once, compared by look-alike skeleton, escaped per output.

Entry names, organisations and descriptions come from submitters and reach a terminal, a
Markdown file, a CSV file and HTML pages. Each output has its own escaping here; the checks
at submission time (:func:`check_text`) keep control, format (bidi, zero-width) and unpaired
surrogate characters out of the database altogether, so no output ever meets them raw.

Duplicate detection compares names by :func:`skeleton`: Unicode NFKC (fullwidth → ASCII,
ligatures split), invisible and bidi characters removed, case folded, and characters that are
confusable with Latin ones (Cyrillic ``а``, Greek ``ο`` …) mapped to them with the Unicode
confusables table (UTS #39, through the ``confusable_homoglyphs`` package when installed).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from functools import lru_cache

MAX_NAME = 100
"""Longest entry name, in characters (after NFKC)."""
MAX_ORGANISATION = 200
MAX_DESCRIPTION = 5000

# Cf: format (zero-width, bidi controls, soft hyphen ...); Cc: controls; Cs: surrogates;
# Co/Cn: private use and unassigned. Zl/Zp: line/paragraph separators.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"}
"""Hangul fillers, Braille blank and the Mongolian vowel separator: letters that print nothing."""


class NameError_(ValueError):  # noqa: N801 - ValueError subclass; "NameError" is a builtin
    """A user string is not acceptable; the message says which character and how to fix it."""


def _bad_char(text: str, allow_newlines: bool) -> tuple[int, str] | None:
    for i, ch in enumerate(text):
        if allow_newlines and ch == "\n":
            continue
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES or ch in _INVISIBLE:
            return i, ch
    return None


def check_text(field: str, text: str, max_len: int, *, required: bool = False,
               allow_newlines: bool = False) -> str:
    """``text`` NFKC-normalised, or :class:`NameError_` naming the field and the bad character.

    Rejects control characters (ANSI escapes start with ESC), format characters (zero-width,
    bidi overrides), lone surrogates, private-use and unassigned code points, invisible
    fillers, leading/trailing whitespace and anything longer than ``max_len`` characters.
    """
    if not isinstance(text, str):
        raise NameError_(f"{field} must be a string, got {type(text).__name__}")
    normal = unicodedata.normalize("NFKC", text) if _encodable(text) else text
    bad = _bad_char(normal, allow_newlines)
    if bad is not None:
        i, ch = bad
        raise NameError_(f"{field}: character {i} is {_describe(ch)}, which is not printable text; "
                         "use visible characters only")
    if required and not normal.strip():
        raise NameError_(f"{field} is empty; give a name")
    if normal != normal.strip():
        raise NameError_(f"{field} {normal!r} starts or ends with whitespace; remove it")
    if len(normal) > max_len:
        raise NameError_(f"{field} is {len(normal)} characters long; at most {max_len} are allowed")
    return normal


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, unicodedata.category(ch))}"


@lru_cache(maxsize=4096)
def _latin_of(ch: str) -> str:
    try:
        from confusable_homoglyphs import confusables
    except ImportError:
        return _FALLBACK.get(ch, ch)
    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"])
    for hit in found or ():
        for glyph in hit["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalnum():
                return glyph["c"]
    return _FALLBACK.get(ch, ch)


_FALLBACK = dict(zip("аеорсуххіјѕԁɡһԛԝаАВЕКМНОРСТХІЈЅοαβνρτικεΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
                     "aeopcyxxijsdghqwaABEKMHOPCTXIJSoabvptikeABEHIKMNOPTXYZ"))
"""Cyrillic and Greek letters that look Latin, for installations without the confusables table."""


def skeleton(text: str) -> str:
    """The form two names are compared in: NFKC, invisibles removed, confusables mapped, folded.

    ``skeleton("Ｓｃｒｉｐｔｅｄ") == skeleton("Sсrіpted") == skeleton("Scri\u200bpted") ==
    skeleton("scripted")``.
    """
    text = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in text
                   if unicodedata.category(ch) not in _FORBIDDEN_CATEGORIES and ch not in _INVISIBLE)
    mapped = "".join(ch if ch.isascii() else _latin_of(ch) for ch in kept)
    return " ".join(unicodedata.normalize("NFKC", mapped).casefold().split())


# ---------------------------------------------------------------------- escaping per output
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def terminal(text: str) -> str:
    """For a terminal table: every control/bidi character shown as ``\\xNN`` / ``\\uNNNN``."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                        str(text))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:&=\"'])")


def markdown(text: str) -> str:
    """For a Markdown table cell: every Markdown/HTML metacharacter backslash-escaped.

    For texts of our own (numbers, statuses); names go through :func:`markdown_literal`.
    """
    text = terminal(" ".join(str(text).splitlines()))
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_literal(text: str) -> str:
    """A user string as a Markdown code span: shown literally, never a link, image or HTML.

    Inside a code span nothing is parsed — no emphasis, link, image, autolink, HTML tag or
    entity, and GFM's bare-URL autolinker skips code — so the name renders exactly as it was
    written. The fence is longer than any backtick run in the text; ``|`` is escaped (GFM
    tables split on it even in code); newlines become spaces; controls are shown escaped.
    """
    text = terminal(" ".join(str(text).splitlines())).replace("|", "\\|")
    longest = max((len(m) for m in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


_AFTER_DELIMITER = re.compile("(^|[,;\t|\r\n])(?=[=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20])")
"""A formula character at the start of the cell, or after anything a reader may take for a
delimiter or line break (``, ; | tab CR LF``): there it could start a cell of its own."""


def csv_cell(text: str) -> str:
    """A spreadsheet-safe cell: a leading formula character is defused with ``'`` (OWASP).

    The same is done after every character a reader might split on (``, ; | tab CR LF``), so
    that a spreadsheet opening the file with another delimiter than the writer's (``;`` in
    many locales) still sees no cell that starts with ``= + - @``. The csv module quotes the
    cell itself. Fullwidth ``＝`` etc. are defused too (some spreadsheets fold them).
    """
    return _AFTER_DELIMITER.sub(r"\1'", str(text))


def csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> str:
    """CSV with every cell quoted (``csv.QUOTE_ALL``), so any delimiter parses it the same."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else (csv_cell(v) if isinstance(v, str) else v) for v in row])
    return buf.getvalue()
