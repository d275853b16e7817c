"""The preview's one lookup: only the attributes the mapping reads are copied per record, match results unchanged."""
from __future__ import annotations

import pandas as pd

from core import preview
from core.enrich.mapping import FieldMap, Mapping
from core.fields import FieldSpec

SPECS = {"Industry": FieldSpec(name="Industry", type="string", length=40)}
MAPPING = Mapping("Account", (FieldMap("category.industry", "Industry"),))


class Source:
    """Knows two domains: one with an Industry, one with only an attribute the mapping does not read."""

    name = "test"

    def lookup(self, keys):
        rows = {"acme.com": {"category.industry": "Software", "tech": ["stripe"]},
                "globex.io": {"category.industry": None, "tech": ["react"]}}
        frame = pd.DataFrame.from_dict({k: v for k, v in rows.items() if k in set(keys)}, orient="index")
        frame.index.name = "key"
        return frame


def test_given_data_only_in_an_unmapped_attribute_when_previewed_then_the_record_is_matched_not_no_data() -> None:
    records = pd.DataFrame({"Name": ["Acme", "Globex", "Initech", "Acme again"],
                            "Website": ["acme.com", "https://globex.io", "initech.com", "www.acme.com"],
                            "Industry": [None, None, None, "Retail"]},
                           index=pd.Index(["001A", "001B", "001C", "001D"], name="Id"))
    result = preview.build(records, "Account", MAPPING, Source(), SPECS)
    assert result.records["match"].astype(str).tolist() == ["matched", "matched", "no_data", "matched"]
    cells = result.cells.set_index("Id")
    assert cells.loc["001A", "proposed"] == "Software" and cells.loc["001A", "verdict"] == "fill"
    assert cells.loc["001B", "verdict"] == "no_data" and cells.loc["001D", "verdict"] == "keep"


class Recording(Source):
    """Source that also records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def lookup(self, keys):
        self.asked.append(list(keys))
        return super().lookup(keys)


def test_given_many_spellings_of_few_domains_when_previewed_then_each_key_is_asked_once_in_first_use_order() -> None:
    websites = ["https://initech.com", "acme.com", "www.initech.com/about", None, "gmail.com", "globex.io", "ACME.COM"]
    records = pd.DataFrame({"Website": websites, "Industry": [None] * 7},
                           index=pd.Index([f"001{i}" for i in range(7)], name="Id"))
    source = Recording()
    result = preview.build(records, "Account", MAPPING, source, SPECS)
    assert source.asked == [["initech.com", "acme.com", "globex.io"]]
    assert result.records["key"].tolist()[:3] == ["initech.com", "acme.com", "initech.com"]
    assert result.records["match"].astype(str).tolist() == ["no_data", "matched", "no_data", "no_key", "free_mail",
                                                            "matched", "matched"]
