"""What an apply costs before it runs: ⌈R/200⌉ Collections writes, or in strict mode ⌈R/25⌉ Composite calls of
conditional PATCHes, plus ⌈R/2,000⌉ fresh reads — counted by record, not by cell."""
from __future__ import annotations

import pandas as pd

from core import engine


def test_given_cells_of_many_records_when_costed_then_strict_counts_composite_calls_of_25() -> None:
    ids = [f"00Q{i:015d}" for i in range(2001)]
    cells = pd.DataFrame({"Id": ids * 2, "field": ["Title"] * 2001 + ["Industry"] * 2001})  # two cells per record
    assert engine.write_cost(cells) == (2001, 11, 2)
    assert engine.write_cost(cells, strict=True) == (2001, 81, 2)
    assert engine.write_cost(cells.iloc[:0], strict=True) == (0, 0, 0)
