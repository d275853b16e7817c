"""Wildcard patterns matched without backtracking: SOQL LIKE and fault-injection paths, linear in the text per segment."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

ANY = None          # one character, whatever it is (`_` in LIKE, `.` in a fault path)
_LIKE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_REGEX_SPECIALS = set("()[]{}|+?*^$")
Segment = tuple  # of single characters and ANY


def _compile(segment: Segment, fold: bool) -> re.Pattern[str]:
    """A fixed-length segment as a regex of literals and dots only: no quantifier, so no backtracking."""
    flags = re.DOTALL | (re.IGNORECASE if fold else 0)
    return re.compile("".join("." if c is ANY else re.escape(c) for c in segment), flags)


@dataclass(frozen=True)
class Wildcard:
    """Fixed-length segments separated by gaps of any length; the first segment is anchored at the start of the
    text and the last at its end (an open end is an empty segment there).

    Matching places every middle segment at its leftmost fit after the previous one. Because every segment has a
    fixed length, the leftmost fit never blocks a match a later fit would allow, so no position is ever tried
    twice: one pass over the text per segment, whatever the pattern ("%a%a%a…%b" over "aaaa…" included)."""

    segments: tuple[Segment, ...]
    fold: bool = False
    _compiled: tuple[tuple[re.Pattern[str], int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = tuple((_compile(s, self.fold), len(s)) for s in self.segments)
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def like(cls, raw: str) -> Wildcard:
        """A SOQL LIKE pattern as written: % any run, _ one character, backslash escapes the next character
        (\\% and \\_ are literal; \\n, \\t … as in string literals); case-insensitive, as Salesforce matches."""
        segments: list[Segment] = []
        current: list = []
        i = 0
        while i < len(raw):
            char = raw[i]
            if char == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                current.append(_LIKE_ESCAPES.get(nxt, nxt))
                i += 2
                continue
            if char == "%":
                segments.append(tuple(current))
                current = []
            else:
                current.append(ANY if char == "_" else char)
            i += 1
        segments.append(tuple(current))
        return cls(tuple(segments), fold=True)

    @classmethod
    def path(cls, pattern: str) -> Wildcard:
        """A fault path in the safe subset of regex search syntax: literal text, `.` one character, `.*` any run,
        `^` at the start and `$` at the end as anchors, a backslash before punctuation for the literal character.
        Anything else (groups, classes, alternation, other quantifiers, \\d …) raises ValueError: a caller's regex
        could backtrack for minutes, so it is never compiled."""
        if not isinstance(pattern, str):
            raise ValueError("a fault path must be a string")  # noqa: TRY004 - callers report ValueError as a 400
        text, segments, current = pattern, [], []
        start_open, end_open = not text.startswith("^"), True
        text = text[0 if start_open else 1:]
        if text.endswith("$") and not text.endswith("\\$"):
            end_open, text = False, text[:-1]
        if start_open:
            segments.append(())
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\\":
                nxt = text[i + 1] if i + 1 < len(text) else ""
                if not nxt or nxt.isalnum() or nxt == "_":
                    raise ValueError(f"fault path {pattern!r}: escape '\\{nxt}' is not accepted; {_PATH_HELP}")
                current.append(nxt)
                i += 2
            elif char == "." and text[i + 1:i + 2] == "*":
                segments.append(tuple(current))
                current = []
                i += 2
            elif char == ".":
                current.append(ANY)
                i += 1
            elif char in _REGEX_SPECIALS:
                raise ValueError(f"fault path {pattern!r}: {char!r} at {i + (0 if start_open else 1)} is not accepted; "
                                 f"{_PATH_HELP}")
            else:
                current.append(char)
                i += 1
        segments.append(tuple(current))
        if end_open:
            segments.append(())
        return cls(tuple(segments), fold=False)

    def match(self, text: str) -> bool:
        """True when the whole text matches."""
        compiled = self._compiled
        if len(compiled) == 1:
            regex, size = compiled[0]
            return len(text) == size and regex.match(text) is not None
        (first, first_size), (last, last_size) = compiled[0], compiled[-1]
        end = len(text) - last_size
        if end < first_size or first.match(text) is None:
            return False
        pos = first_size
        for regex, size in compiled[1:-1]:
            if size == 0:
                continue
            found = regex.search(text, pos, end)
            if found is None:
                return False
            pos = found.end()
        return last.match(text, end) is not None


_PATH_HELP = "use literal text, '.' for one character, '.*' for any run, '^' at the start and '$' at the end"
