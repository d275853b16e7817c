"""Property: whatever the frames, a non-blank current value is never filled, and every fill fits."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.fields import FieldSpec
from core.sync import diff, guard

SPECS = {
    "Industry": FieldSpec(name="Industry", type="picklist", length=40, restricted_picklist=True,
                          picklist_values=("Technology", "Banking")),
    "Title": FieldSpec(name="Title", type="string", length=12),
    "NumberOfEmployees": FieldSpec(name="NumberOfEmployees", type="int", precision=4, scale=0),
    "Is_Customer__c": FieldSpec(name="Is_Customer__c", type="boolean"),
    "Phone": FieldSpec(name="Phone", type="phone", length=40, updateable=False),
}
CELLS = st.one_of(
    st.none(), st.just(np.nan), st.just(""), st.sampled_from([" ", "\t", "\u00a0", "\u200b "]),
    st.sampled_from(["[[unknown]]", " [[UNKNOWN]]"]), st.just(0), st.just(False), st.just(True),
    st.sampled_from(["Technology", "technology", "Banking", "Retail"]), st.text(max_size=20),
    st.text(min_size=41, max_size=60), st.integers(-20_000, 20_000), st.floats(allow_nan=True, allow_infinity=True),
)


@st.composite
def frames(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 8))
    ids = pd.Index([f"00Q{i:015d}" for i in range(n)], name="Id")
    cur = {f: draw(st.lists(CELLS, min_size=n, max_size=n)) for f in SPECS}
    pro = {f: draw(st.lists(CELLS, min_size=n, max_size=n)) for f in SPECS}
    return (pd.DataFrame({f: pd.Series(v, index=ids, dtype=object) for f, v in cur.items()}),
            pd.DataFrame({f: pd.Series(v, index=ids, dtype=object) for f, v in pro.items()}))


@settings(max_examples=60, deadline=None)
@given(frames())
def test_given_any_frames_when_diffed_then_non_blank_never_filled_and_fills_fit(pair: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    current, proposed = pair
    out = diff.compute(current, proposed, SPECS)
    for name, spec in SPECS.items():
        rows = out[out.field == name].reset_index(drop=True)
        blank = guard.is_blank(current[name], spec).to_numpy()
        verdicts = rows.verdict.astype(str).to_numpy()
        assert not ((verdicts == "fill") & ~blank).any()
        fills = np.flatnonzero(verdicts == "fill")
        if len(fills):
            ok, _ = guard.fits(proposed[name].iloc[fills], spec)
            assert ok.all()
        for i in range(len(current)):
            okw, verdict, _ = guard.may_write(current[name].iloc[i], proposed[name].iloc[i], spec)
            assert verdict == verdicts[i] and okw == (verdict == "fill")
