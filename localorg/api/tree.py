"""sObject Tree (`composite/tree/{T}`): nested parent-child records created all-or-none, level by level."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from localorg.api.rest import DATA, TYPE, auto_assign
from localorg.app import App, Ctx, rest
from localorg.httpcore import Response, RestError, is_api_error

MAX_RECORDS, MAX_DEPTH, MAX_TYPES = 200, 5, 5


@dataclass
class Node:
    """One record of the tree: its type, reference id, field values, and the link to its parent."""

    sobject: str
    reference: str
    values: dict
    depth: int
    parent: Node | None = None
    link_field: str | None = None
    new_id: str | None = None
    children: list[Node] = field(default_factory=list)


class _Failed(Exception):
    """A record failed: the tree is rolled back and the answer names that record."""

    def __init__(self, results: list[dict]) -> None:
        super().__init__("sObject tree failed")
        self.results = results


def _invalid(message: str) -> RestError:
    return RestError(400, "INVALID_INPUT", message)


def _parse(ctx: Ctx, sobject: str, raw: Any, depth: int, parent: Node | None, link: str | None) -> Node:
    """Read one record (attributes.type and referenceId required) and its child relationship lists."""
    if not isinstance(raw, dict) or not isinstance(raw.get("attributes"), dict):
        raise _invalid("Each record needs attributes with a type and a referenceId")
    attrs = raw["attributes"]
    if str(attrs.get("type", "")).lower() != sobject.lower() or not attrs.get("referenceId"):
        raise _invalid(f"Each record needs attributes.type {sobject} and a referenceId")
    if depth > MAX_DEPTH:
        raise _invalid(f"An sObject tree can be at most {MAX_DEPTH} levels deep")
    obj = ctx.view.readable_object(sobject)
    if obj is None:
        raise RestError(404, "NOT_FOUND", f"The requested resource does not exist: {sobject}")
    children = {c["relationshipName"].lower(): c for c in ctx.view.child_relationships(obj) if c.get("relationshipName")}
    node = Node(obj.name, str(attrs["referenceId"]), {}, depth, parent, link)
    for key, value in raw.items():
        if key == "attributes":
            continue
        relation = children.get(key.lower()) if isinstance(value, dict) and "records" in value else None
        if relation is None:
            node.values[key] = value
            continue
        for child in value.get("records") or []:
            node.children.append(_parse(ctx, relation["childSObject"], child, depth + 1, node, relation["field"]))
    return node


def _levels(roots: list[Node]) -> list[list[Node]]:
    """Records grouped by depth: every root first, then every second-level record, ... (Salesforce's order)."""
    levels: list[list[Node]] = []
    frontier = roots
    while frontier:
        levels.append(frontier)
        frontier = [child for node in frontier for child in node.children]
    return levels


def _create_all(ctx: Ctx, nodes: list[Node]) -> None:
    """Create every record in order inside one transaction; the first failure raises _Failed."""
    assign = auto_assign(ctx.req.headers)
    with ctx.app.org.transaction():
        for node in nodes:
            values = dict(node.values)
            if node.parent is not None and node.link_field:
                values[node.link_field] = node.parent.new_id
            try:
                node.new_id = ctx.view.create(node.sobject, values, auto_assign=assign)
            except Exception as exc:
                if not is_api_error(exc):
                    raise
                item = exc.body()[0]  # type: ignore[attr-defined]
                raise _Failed([{"referenceId": node.reference, "errors": [{
                    "statusCode": item["errorCode"], "message": item["message"],
                    "fields": list(item.get("fields") or [])}]}]) from None


@rest
def tree(ctx: Ctx, sobject: str) -> Response:
    """POST composite/tree/{T}: 201 {hasErrors: false, results: [{referenceId, id}]} or 400 naming the failed record."""
    body = ctx.req.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list) or not body["records"]:
        raise _invalid("The request needs a non-empty records list")
    roots = [_parse(ctx, sobject, raw, 1, None, None) for raw in body["records"]]
    ordered = [node for level in _levels(roots) for node in level]
    if len(ordered) > MAX_RECORDS:
        raise _invalid(f"An sObject tree request can create at most {MAX_RECORDS} records")
    if len({node.sobject for node in ordered}) > MAX_TYPES:
        raise _invalid(f"An sObject tree request can hold at most {MAX_TYPES} different types")
    seen = Counter(node.reference for node in ordered)
    duplicates = [node for node in ordered if seen[node.reference] > 1]
    if duplicates:
        results = [{"referenceId": n.reference, "errors": [{"statusCode": "DUPLICATE_VALUE", "fields": [],
                                                             "message": "Duplicate ReferenceId provided in the request."}]}
                   for n in duplicates]
        return Response.json({"hasErrors": True, "results": results}, status=400)
    try:
        _create_all(ctx, ordered)
    except _Failed as failed:
        return Response.json({"hasErrors": True, "results": failed.results}, status=400)
    return Response.json({"hasErrors": False, "results": [{"referenceId": n.reference, "id": n.new_id} for n in ordered]},
                         status=201)


def register(app: App) -> None:
    """Add the sObject Tree route."""
    app.router.add("/services/data/vXX.X/composite/tree/{T}", DATA + r"/composite/tree/" + TYPE + r"/?", {"POST": tree})
