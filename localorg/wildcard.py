"""Wildcard patterns matched without backtracking: SOQL LIKE and fault-injection paths, one pass per segment."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

ANY = None          # one character, whatever it is (`_` in LIKE, `.` in a fault path)
_LIKE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_REGEX_SPECIALS = set("()[]{}|+?*^$")
Segment = tuple  # of single characters and ANY


def _segment(segment: Segment) -> str:
    """A fixed-length segment as regex text of escaped literals and dots: no quantifier, nothing to backtrack."""
    return "".join("." if c is ANY else re.escape(c) for c in segment)


@dataclass(frozen=True)
class Wildcard:
    """Fixed-length segments separated by gaps of any length; the first segment is anchored at the start of the
    text and the last at its end (an open end is an empty segment there).

    It runs as one regex built only from escaped literals and dots: `FIRST(?>.*?MID)…(?>.*?MID).*LAST`. Each
    middle segment sits in an atomic group, so it is placed at its leftmost fit after the previous one and never
    revisited; since every segment has a fixed length, the leftmost fit never blocks a match a later one would
    allow. Only the final `.*` gives characters back, one at a time. So a match costs at most one pass over the
    text per segment (value length x pattern length), whatever the pattern: "%a%a…%b" over "aaaa…" included,
    where a plain `.*a.*a….*b` tries every split of the text and runs for minutes."""

    segments: tuple[Segment, ...]
    fold: bool = False
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [_segment(s) for s in self.segments]
        middle = "".join(f"(?>.*?{part})" for part in parts[1:-1] if part)
        text = parts[0] if len(parts) == 1 else f"{parts[0]}{middle}.*{parts[-1]}"
        flags = re.DOTALL | (re.IGNORECASE if self.fold else 0)
        object.__setattr__(self, "_regex", re.compile(text, flags))

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
        return self._regex.fullmatch(text) is not None


_PATH_HELP = "use literal text, '.' for one character, '.*' for any run, '^' at the start and '$' at the end"
