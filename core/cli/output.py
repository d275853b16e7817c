"""How the command line prints: counts with thousands separators and the noun in the right number, progress on
stderr that suits a terminal as well as a log file, and small text tables."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO


def count(n: int, noun: str, plural: str | None = None) -> str:
    """"1 warning", "0 warnings", "4,237 cells": the number with thousands separators and the noun agreeing with it
    (`plural` where adding an "s" is wrong: count(n, "entry", "entries"))."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a stream without a file descriptor, or a closed one
        return False


class ProgressLine:
    """Progress of long work on stderr. On a terminal: one line redrawn in place with a carriage return. Anywhere
    else (a pipe, a log file, a scheduler's capture): a line each time another tenth of the work is done and one at
    the end, each ending in a newline — a carriage return there would run every update into one line."""

    def __init__(self, stream: TextIO | None = None, *, steps: int = 10) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = _is_terminal(self.stream)
        self.steps = steps
        self._step = -1             # the last tenth printed (not a terminal)
        self._printed = ""          # the last line printed
        self._pending = ""          # a later line not printed yet: printed by close() unless it is the same
        self._width = 0             # the width of the line drawn in place (a terminal)

    def show(self, text: str, done: int, total: int) -> None:
        """Report `done` of `total` as `text`."""
        if self.live:
            self.stream.write("\r" + text + " " * max(0, self._width - len(text)))
            self.stream.flush()
            self._width = max(self._width, len(text))
            return
        step = self.steps if total <= 0 or done >= total else done * self.steps // total
        if step > self._step:
            self._step = step
            self._emit(text)
        elif text != self._printed:
            self._pending = text

    def close(self) -> None:
        """End the progress: the terminal line is finished with a newline; elsewhere the last update is printed
        if it was not yet (work that ended short of its total)."""
        if self.live and self._width:
            self.stream.write("\n")
            self.stream.flush()
        elif self._pending:
            self._emit(self._pending)
        self._width, self._pending = 0, ""

    def _emit(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
        self._printed, self._pending = text, ""


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = (),
          indent: str = "  ") -> list[str]:
    """A text table: the header, a rule of dashes under each column, then the rows; the columns numbered in
    `right` (numbers) aligned right, the others left."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return indent + "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                  for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
