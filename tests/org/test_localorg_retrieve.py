"""sObject Collections retrieve, POST form (the writer's fresh read): up to 2,000 ids in the body, records in id
order, null for what the user cannot see, a bad field failing the call — served by localorg, called by OrgClient."""
from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from core.errors import BadInput
from core.salesforce import OrgClient, StaticTokens
from tests.fixtures.localorg import make_sf_client, password_token

RETRIEVE = "POST /services/data/vXX.X/composite/sobjects/{T}"


def client_for(handle: Any, username: str = "integration@demo.test") -> OrgClient:
    token = password_token(handle, username)
    return OrgClient(StaticTokens(token["access_token"], token["instance_url"]), ca_file=handle.ca_file)


def test_given_2000_ids_when_retrieved_then_one_call_in_id_order_with_the_fields_asked(localorg: Any) -> None:
    client = client_for(localorg)
    ids = [r["Id"] for page in client.query_pages("SELECT Id FROM Lead ORDER BY Id DESC LIMIT 2000") for r in page]
    assert len(ids) == 2000
    localorg.reset_counters()

    records = client.retrieve_records("Lead", ids, ["Id", "Title", "Industry"])

    assert localorg.counters() == {RETRIEVE: 1}
    assert [r["Id"] for r in records] == ids
    assert set(records[0]) == {"attributes", "Id", "Title", "Industry"}


def test_given_a_hidden_and_a_missing_record_when_retrieved_then_null_in_their_places(localorg: Any) -> None:
    admin, integration = client_for(localorg, "admin@demo.test"), client_for(localorg)
    visible = {r["Id"] for page in integration.query_pages("SELECT Id FROM Lead") for r in page}
    hidden = next(r["Id"] for page in admin.query_pages("SELECT Id FROM Lead") for r in page if r["Id"] not in visible)
    shown = sorted(visible)[0]
    missing = shown[:5] + "0000000000AAA"

    records = integration.retrieve_records("Lead", [hidden, shown, missing], ["Id", "Title"])

    assert [r and r["Id"] for r in records] == [None, shown, None]


def test_given_an_unknown_field_or_too_many_ids_when_retrieved_then_the_call_fails(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    lead = sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.restful("composite/sobjects/Lead", method="POST", json={"ids": [lead], "fields": ["Id", "Nope__c"]})
    assert unknown.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as many:
        sf.restful("composite/sobjects/Lead", method="POST", json={"ids": [lead] * 2001, "fields": ["Id"]})
    assert many.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    localorg.reset_counters()
    with pytest.raises(BadInput):
        client_for(localorg).retrieve_records("Lead", [lead] * 2001, ["Id"])
    assert RETRIEVE not in localorg.counters()  # refused before any call
