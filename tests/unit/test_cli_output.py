"""The command line's printing helpers: counts that agree with their noun, progress that suits a terminal and a log
file alike, and text tables."""
from __future__ import annotations

import io
import os
import pty
from collections.abc import Iterator

import pytest

from core.cli.output import ProgressLine, count, table


def test_given_counts_when_worded_then_separators_and_the_noun_agree() -> None:
    assert [count(n, "warning") for n in (0, 1, 2, 4237)] == ["0 warnings", "1 warning", "2 warnings", "4,237 warnings"]
    assert (count(1, "entry", "entries"), count(3, "entry", "entries")) == ("1 entry", "3 entries")


def test_given_a_log_file_when_progress_is_reported_then_a_line_per_tenth_and_the_end_each_ending_in_a_newline() -> None:
    log = io.StringIO()
    line = ProgressLine(log)
    for done in range(0, 4316, 100):
        line.show(f"{done:,} of 4,316", done, 4316)
    line.show("4,316 of 4,316", 4316, 4316)
    line.close()

    lines = log.getvalue().split("\n")
    assert lines[-1] == "" and "\r" not in log.getvalue()
    assert lines[:-1] == ["0 of 4,316", "500 of 4,316", "900 of 4,316", "1,300 of 4,316", "1,800 of 4,316",
                          "2,200 of 4,316", "2,600 of 4,316", "3,100 of 4,316", "3,500 of 4,316", "3,900 of 4,316",
                          "4,316 of 4,316"]


def test_given_work_ending_short_of_its_total_when_closed_then_the_last_update_is_printed_once() -> None:
    log = io.StringIO()
    line = ProgressLine(log)
    line.show("0 of 50", 0, 50)
    line.show("2 of 50", 2, 50)  # less than a tenth further: kept back
    line.close()
    line.close()
    assert log.getvalue() == "0 of 50\n2 of 50\n"
    done = io.StringIO()
    finished = ProgressLine(done)
    finished.show("7 of 7", 7, 7)
    finished.show("7 of 7", 7, 7)
    finished.close()
    assert done.getvalue() == "7 of 7\n"


@pytest.fixture
def terminal() -> Iterator[tuple[io.TextIOWrapper, int]]:
    """A real pseudo-terminal: the stream written to (a tty) and the fd its output is read from."""
    master, slave = pty.openpty()
    stream = open(slave, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        yield stream, master
    finally:
        stream.close()
        os.close(master)


def test_given_a_terminal_when_progress_is_reported_then_one_line_is_redrawn_in_place(
        terminal: tuple[io.TextIOWrapper, int]) -> None:
    stream, master = terminal
    line = ProgressLine(stream)
    line.show("Lead: 2,000 of 4,316 records", 2000, 4316)
    line.show("Lead: 4,316 of 4,316 records", 4316, 4316)
    line.show("done", 4316, 4316)  # shorter: the rest of the previous text is blanked
    line.close()
    shown = os.read(master, 4096).decode()
    assert line.live and shown == ("\rLead: 2,000 of 4,316 records\rLead: 4,316 of 4,316 records\rdone"
                                   + " " * 24 + "\r\n")  # the terminal turns the final newline into \r\n


def test_given_rows_when_tabled_then_numbers_align_right_under_a_rule() -> None:
    lines = table(("field", "filled"), [("Industry", "2,488"), ("NumberOfEmployees", "12")], right=(1,))
    assert lines == ["  field              filled",
                     "  -----------------  ------",
                     "  Industry            2,488",
                     "  NumberOfEmployees      12"]


def test_given_the_pages_helper_when_it_words_counts_then_it_agrees_with_the_cli() -> None:
    from ui.text import count as page_count

    for n, noun, plural in ((0, "record", None), (1, "API call", None), (1_204, "entry", "entries"), (1, "entry", "entries")):
        assert page_count(n, noun, plural) == count(n, noun, plural)
