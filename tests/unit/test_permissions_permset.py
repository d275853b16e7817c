"""The generated permission set: valid Metadata API XML granting exactly what each demo user's report found missing."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from core.permissions.permset import NAMESPACE, api_name, permission_set
from core.permissions.report import diagnose
from localorg import permset_deploy
from tests.fixtures.permissions.payloads import context, load

NS = {"m": NAMESPACE}
# The order Salesforce retrieves a PermissionSet's elements in (alphabetical by element name).
ORDER = ["description", "fieldPermissions", "hasActivationRequired", "label", "objectPermissions", "userPermissions"]


def generated(user: str, use_case: str = "enrichment", connection: str | None = None) -> tuple[str, str] | None:
    ctx = context(user, use_case, **({"connection": connection} if connection else {}))
    return permission_set(diagnose(load(user), ctx, checked_at="2026-11-29T12:00:00+00:00"))


def parsed(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{NAMESPACE}}}PermissionSet"
    tags = [child.tag.split("}")[1] for child in root]
    assert tags == sorted(tags, key=ORDER.index), tags
    return root


def fields(root: ET.Element) -> dict[str, tuple[str, str]]:
    return {fp.findtext("m:field", namespaces=NS): (fp.findtext("m:readable", namespaces=NS),
                                                    fp.findtext("m:editable", namespaces=NS))
            for fp in root.findall("m:fieldPermissions", NS)}


def test_given_restricted_user_when_generated_then_grants_exactly_edit_on_industry_and_employees() -> None:
    found = generated("restricted")
    assert found is not None
    name, xml = found
    assert name == "Enrichment_Console_restricted_enrichment.permissionset-meta.xml"
    root = parsed(xml)
    assert fields(root) == {f"{obj}.{field}": ("true", "true") for obj in ("Lead", "Account")
                            for field in ("Industry", "NumberOfEmployees")}
    assert root.findall("m:objectPermissions", NS) == [] and root.findall("m:userPermissions", NS) == []
    assert root.findtext("m:hasActivationRequired", namespaces=NS) == "false"
    assert 0 < len(root.findtext("m:label", namespaces=NS) or "") <= 80
    # localorg reads it as the Metadata API would (its parser is independent of ours).
    spec = permset_deploy.parse(name.removesuffix(".permissionset-meta.xml"), xml)
    assert spec["fields"] == {"Lead.Industry": (True, True), "Lead.NumberOfEmployees": (True, True),
                              "Account.Industry": (True, True), "Account.NumberOfEmployees": (True, True)}


def test_given_noapi_user_when_generated_then_only_api_enabled() -> None:
    found = generated("noapi")
    assert found is not None
    root = parsed(found[1])
    perms = [(p.findtext("m:name", namespaces=NS), p.findtext("m:enabled", namespaces=NS))
             for p in root.findall("m:userPermissions", NS)]
    assert perms == [("ApiEnabled", "true")] and fields(root) == {}


def test_given_auditor_for_enrichment_when_generated_then_object_edit_and_field_edit_but_no_required_fields() -> None:
    found = generated("auditor")
    assert found is not None
    root = parsed(found[1])
    objects = {op.findtext("m:object", namespaces=NS): (op.findtext("m:allowRead", namespaces=NS),
                                                        op.findtext("m:allowEdit", namespaces=NS),
                                                        op.findtext("m:allowCreate", namespaces=NS),
                                                        op.findtext("m:allowDelete", namespaces=NS),
                                                        op.findtext("m:viewAllRecords", namespaces=NS),
                                                        op.findtext("m:modifyAllRecords", namespaces=NS))
               for op in root.findall("m:objectPermissions", NS)}
    assert objects == {obj: ("true", "true", "false", "false", "false", "false") for obj in ("Account", "Contact", "Lead")}
    granted = fields(root)
    assert "Lead.Industry" in granted and all(v == ("true", "true") for v in granted.values())
    # Required fields (Company, LastName, Name) take no field-level security: a deploy would refuse them.
    assert not {"Lead.Company", "Lead.LastName", "Contact.LastName", "Account.Name"} & set(granted)


@pytest.mark.parametrize("user, use_case", [("integration", "enrichment"), ("auditor", "audit"),
                                            ("restricted", "audit")])
def test_given_nothing_missing_when_generated_then_no_file(user: str, use_case: str) -> None:
    assert generated(user, use_case) is None


def test_given_odd_connection_name_when_generated_then_api_name_valid_and_xml_escaped() -> None:
    found = generated("restricted", connection='acme <prod> & "eu"__x_')
    assert found is not None
    name = found[0].removesuffix(".permissionset-meta.xml")
    assert re.fullmatch(r"[A-Za-z](?!.*__)[A-Za-z0-9_]{0,79}(?<!_)", name), name
    assert "&lt;prod&gt; &amp;" in found[1]
    parsed(found[1])
    assert api_name("9lives", "audit").startswith("Enrichment_Console_9lives")
    assert len(api_name("x" * 200, "enrichment")) <= 80
