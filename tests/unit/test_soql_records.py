"""SOQL results beyond the Id table: record shape, parent relationships, COUNT(), queryAll, error messages, parse output."""
from __future__ import annotations

import pytest

from localorg.soql import BoolOp, Comparison, Not, QueryResult, SoqlError, execute, parse
from tests.unit.test_soql_catalog import (
    ACCOUNT_ACME,
    LEADS,
    NOW,
    USER_ADA,
    MemoryCatalog,
    lead_id,
)


def run(soql: str, **kwargs: object) -> QueryResult:
    """Parse and execute against the in-memory catalog at API version 60.0."""
    return execute(parse(soql), MemoryCatalog(), version="60.0", now=NOW, **kwargs)


def test_given_lowercase_field_names_when_selected_then_records_use_canonical_names_in_select_order() -> None:
    result = run("select email, lastname, ID from lead where lastname = 'smith'")
    assert result.records == [{
        "attributes": {"type": "Lead", "url": f"/services/data/v60.0/sobjects/Lead/{lead_id(1)}"},
        "Email": "smith@acme.com", "LastName": "Smith", "Id": lead_id(1),
    }]
    assert list(result.records[0]) == ["attributes", "Email", "LastName", "Id"]


def test_given_parent_fields_when_selected_then_nested_parent_dict_with_attributes() -> None:
    result = run("SELECT Id, Owner.Name, ConvertedAccount.Website, Owner.Email FROM Lead WHERE Id = '00Q000000000003AAA'")
    record = result.records[0]
    assert list(record) == ["attributes", "Id", "Owner", "ConvertedAccount"]
    assert record["Owner"] == {
        "attributes": {"type": "User", "url": f"/services/data/v60.0/sobjects/User/{USER_ADA}"},
        "Name": "Ada Lovelace", "Email": "ada@demo.test",
    }
    assert record["ConvertedAccount"] == {
        "attributes": {"type": "Account", "url": f"/services/data/v60.0/sobjects/Account/{ACCOUNT_ACME}"},
        "Website": "acme.com",
    }


def test_given_two_level_parent_path_when_selected_then_parent_of_parent_nested() -> None:
    record = run("SELECT ConvertedAccount.Owner.Name FROM Lead WHERE Id = '00Q000000000003AAA'").records[0]
    assert record["ConvertedAccount"]["Owner"]["Name"] == "Ada Lovelace"
    assert record["ConvertedAccount"]["Owner"]["attributes"]["type"] == "User"


def test_given_null_or_invisible_parent_when_selected_then_relationship_is_none() -> None:
    records = run("SELECT LastName, Owner.Name FROM Lead WHERE LastName IN ('Lee', 'Rossi') ORDER BY LastName").records
    assert [(r["LastName"], r["Owner"]) for r in records] == [("Lee", None), ("Rossi", None)]


def test_given_count_when_executed_then_total_size_and_no_records() -> None:
    assert (run("SELECT COUNT() FROM Lead").total_size, run("SELECT COUNT() FROM Lead").records) == (12, [])
    assert run("SELECT count() FROM Lead WHERE Industry = 'Retail'").total_size == 3
    assert run("SELECT COUNT() FROM Lead LIMIT 2").total_size == 2


def test_given_deleted_row_when_query_all_then_included_and_plain_query_excludes_it() -> None:
    soql = "SELECT Id FROM Lead WHERE LastName = 'Gone'"
    assert run(soql).total_size == 0
    assert [r["Id"] for r in run(soql, include_deleted=True).records] == [lead_id(13)]


def test_given_query_when_executed_then_source_rows_are_not_modified() -> None:
    before = [dict(row) for row in LEADS]
    records = run("SELECT Id, Owner.Name FROM Lead ORDER BY LastName DESC").records
    records[0]["Id"] = "changed"
    assert LEADS == before


def test_given_unknown_field_when_executed_then_salesforce_message_with_caret() -> None:
    with pytest.raises(SoqlError) as caught:
        run("SELECT Id, Foo FROM Lead")
    assert caught.value.error_code == "INVALID_FIELD"
    assert caught.value.message.endswith(
        "ERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'Lead'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the appropriate names.")
    assert "\n           ^\n" in caught.value.message


def test_given_unknown_object_when_executed_then_invalid_type_message() -> None:
    with pytest.raises(SoqlError) as caught:
        run("SELECT Id FROM Foo")
    assert caught.value.error_code == "INVALID_TYPE"
    assert "sObject type 'Foo' is not supported." in caught.value.message


def test_given_group_by_with_ungrouped_field_when_executed_then_field_must_be_grouped() -> None:
    with pytest.raises(SoqlError) as caught:
        run("SELECT Id FROM Lead GROUP BY Industry")
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert caught.value.message.endswith("ERROR at Row:1:Column:8\nField must be grouped or aggregated: Id")


def test_given_typeof_when_parsed_then_unexpected_token_when() -> None:
    with pytest.raises(SoqlError) as caught:
        parse("SELECT TYPEOF Owner WHEN User THEN Name END FROM Lead")
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert caught.value.message.endswith("ERROR at Row:1:Column:21\nunexpected token: 'WHEN'")


def test_given_truncated_query_when_parsed_then_unexpected_eof() -> None:
    with pytest.raises(SoqlError) as caught:
        parse("SELECT Id FROM Lead WHERE Email =")
    assert caught.value.message.endswith("unexpected token: '<EOF>'")


def test_given_datetime_with_offset_when_parsed_then_literal_is_utc() -> None:
    query = parse("SELECT Id FROM Lead WHERE CreatedDate > 2024-01-31T22:30:00.5-05:00")
    assert query.where.value.kind == "datetime"
    assert query.where.value.value == "2024-02-01T03:30:00.500"


def test_given_nested_boolean_when_parsed_then_tree_keeps_not_and_or() -> None:
    query = parse("SELECT Id FROM Lead WHERE NOT (Email = null OR Company LIKE 'a\\%') AND Industry NOT IN ('x')")
    assert isinstance(query.where, BoolOp) and query.where.op == "AND"
    negated, membership = query.where.items
    assert isinstance(negated, Not) and isinstance(negated.item, BoolOp) and negated.item.op == "OR"
    assert isinstance(membership, Comparison) and membership.op == "NOT IN"


def test_given_order_limit_offset_when_parsed_then_clauses_kept() -> None:
    query = parse("SELECT Id FROM Lead ORDER BY SystemModstamp DESC NULLS FIRST, Id LIMIT 10 OFFSET 5")
    first, second = query.order_by
    assert (first.field.text, first.descending, first.nulls_first) == ("SystemModstamp", True, True)
    assert (second.field.text, second.descending, second.nulls_first) == ("Id", False, None)
    assert (query.limit, query.offset) == (10, 5)


def test_given_format_soql_escaped_string_when_executed_then_matches_original_value() -> None:
    from simple_salesforce import format_soql

    soql = format_soql("SELECT Id FROM Lead WHERE LastName = {} OR Company = {}", "O'Neil", "Back\\slash Co")
    assert [r["Id"] for r in run(soql).records] == [lead_id(4), lead_id(7)]
