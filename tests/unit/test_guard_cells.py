"""Cell values for the guard: distinct values and their codes, and display text rendered through them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from core.sync.guard_cells import Cells, distinct, take_sorted
from core.sync.guard_values import text, to_arrow


def _decoded(codes: np.ndarray, values: pa.Array) -> list[object]:
    return values.take(pa.array(codes)).to_pylist()


def test_given_chunked_text_with_repeats_when_encoded_then_codes_index_one_dictionary_holding_every_value() -> None:
    first, second = ["a", "b", None] * 2, ["c", "a", None, "d"] * 2
    codes, values = distinct(pa.chunked_array([pa.array(first), pa.array(second)]))
    assert _decoded(codes, values) == first + second
    assert len(values) == 5 and codes[0] == codes[7] and codes[2] == codes[8]


def test_given_floats_with_nan_and_null_when_encoded_then_each_value_once_and_both_missing() -> None:
    codes, values = distinct(pa.array([1.5, np.nan, None, np.nan, 1.5, 1.5]))
    assert len(values) == 3 and codes[0] == codes[4] and codes[1] == codes[3]
    assert Cells(values, distinct=True).missing.tolist() == [False, True, True]


def test_given_mostly_distinct_values_when_encoded_then_left_as_they_are() -> None:
    arr = pa.array([f"+1 415-555-{i:04d}" for i in range(100)] + [None] * 10)
    codes, values = distinct(arr)
    assert values is arr and codes.tolist() == list(range(110))


def test_given_many_values_with_few_distinct_when_encoded_then_judged_from_a_sample() -> None:
    arr = pa.array(np.tile(np.array(["x", "y", None], dtype=object), 40_000))  # long enough to be sampled
    codes, values = distinct(arr)
    assert len(values) == 3 and _decoded(codes[:4], values) == ["x", "y", None, "x"]


def test_given_many_values_mostly_distinct_when_encoded_then_the_sample_leaves_them_as_they_are() -> None:
    arr = pa.chunked_array([pa.array(np.char.add("+1 415 ", np.arange(i, 200_000, 2).astype(str))) for i in (0, 1)])
    codes, values = distinct(arr)
    assert values is arr and len(codes) == 200_000


def test_given_categorical_with_missing_when_encoded_then_its_categories_are_used_and_null_gets_a_code() -> None:
    arr = to_arrow(pd.Series(["x", None, "y", "x"] * 2, dtype="category"))
    codes, values = distinct(arr)
    assert _decoded(codes, values) == ["x", None, "y", "x"] * 2


def test_given_lists_when_encoded_then_left_as_they_are() -> None:
    arr = pa.array([[1], [1], None])
    codes, values = distinct(arr)
    assert codes.tolist() == [0, 1, 2] and values is arr
    assert Cells(arr).text.to_pylist() == ["1", "1", None]


def test_given_numbers_when_rendered_through_the_dictionary_then_text_matches_rendering_each_cell() -> None:
    values = pd.Series([250.0, np.nan, 0.1, 250.0, -0.0, 1e20, 3.0])
    assert Cells.of(values).text.to_pylist() == text(to_arrow(values)).to_pylist()
    assert Cells.of(values).text.to_pylist()[:3] == ["250", None, "0.1"]


def test_given_empty_chunked_column_when_encoded_then_no_codes() -> None:
    codes, values = distinct(pa.chunked_array([], type=pa.large_string()))
    assert len(codes) == 0 and len(values) == 0


def test_given_positions_across_chunks_when_taken_then_as_arrow_takes_them() -> None:
    arr = pa.chunked_array([pa.array(["a", "b"]), pa.array([], pa.string()), pa.array(["c", None, "e"]), pa.array(["f"])])
    for idx in ([], [0], [1, 2], [0, 1, 2, 3, 4, 5], [3, 5], [5]):
        positions = np.array(idx, dtype=np.int64)
        assert take_sorted(arr, positions).to_pylist() == arr.take(pa.array(positions, type=pa.int64())).to_pylist()
    assert take_sorted(pa.array(["x", "y"]), np.array([1])).to_pylist() == ["y"]
