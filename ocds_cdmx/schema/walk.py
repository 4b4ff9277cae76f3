"""Walking a JSON Schema: a node's types, ``$ref`` followed, every field of a release schema."""

from __future__ import annotations

from typing import Any


def types_of(node: dict) -> list[str]:
    """A schema's ``type`` as a list (``[]`` when it has none)."""
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []


def deref(schema: dict, node: Any, seen: tuple = ()) -> tuple[dict, tuple]:
    """``node`` with its ``$ref`` into ``schema`` followed (as jsonref does: siblings of ``$ref`` are
    ignored), and the refs followed so far, so that recursive schemas end."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if ref in seen:
            return {}, seen
        seen = (*seen, ref)
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return (node if isinstance(node, dict) else {}), seen


def field_nodes(schema: dict) -> dict[tuple[str, ...], dict]:
    """Every field of a release schema: its path (array steps left out) → its schema, ``$ref`` followed."""
    nodes: dict[tuple[str, ...], dict] = {}

    def walk(properties: dict, prefix: tuple, seen: tuple) -> None:
        for name, raw in properties.items():
            node, node_seen = deref(schema, raw, seen)
            path = (*prefix, name)
            nodes[path] = node
            kinds = types_of(node)
            if "object" in kinds and isinstance(node.get("properties"), dict):
                walk(node["properties"], path, node_seen)
            elif "array" in kinds:
                items, items_seen = deref(schema, node.get("items", {}), node_seen)
                if isinstance(items.get("properties"), dict):
                    walk(items["properties"], path, items_seen)

    walk(schema.get("properties", {}), (), ())
    return nodes
