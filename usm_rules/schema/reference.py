"""`docs/spec-format.md`, written from the v1 JSON Schema: every field of every object, its type, whether the schema
requires it, and its meaning (the schema's own `description`). `usm-rules schema --format markdown` prints it; a
test compares it with the file, so a field added to the schema without a description, or without regenerating
the docs, fails the tests.

The document has one table for the top level and one for each object type (`$defs`), in the order they are
first reached from the top; each says where that type is used, as paths (`customers[].valueMaturity`).
"""
from __future__ import annotations

from typing import Any

from . import resolve_ref, schema

GENERATE_COMMAND = "usm-rules schema --format markdown > docs/spec-format.md"

INTRO = """\
# The spec format, v1

A service specification is a YAML or JSON document with `apiVersion: usm/v1` and `kind: ServiceSpecification`;
a YAML file may hold several documents, and documents of other kinds are skipped. This page lists every field the
v1 JSON Schema allows, generated from the schema itself (`{command}`), so it always says what
`usm-rules check` accepts. The schema is printed by `usm-rules schema` (see `docs/editors.md` to have an editor
complete and check specs with it).

What the schema checks, and what it leaves to rules:

- **Shape, types and allowed values only.** A value of the wrong type, a value outside its enumeration or an
  unknown key is a `SPEC-SCHEMA` error at that node, and the rules do not run on that document.
- **Only identity fields are required** ("yes" below). Completeness (a metric on every SCO, functioning on the
  facility, …) is the job of the rules in `docs/rules.md`, so that teams can set severities, waive findings and
  relax drafts.
- **Objects are closed**: every object also accepts keys that start with `x-` (extensions for your own tooling,
  never checked); any other key not listed here is an error.
- **YAML is read by the YAML 1.2 core schema**: only `true`/`false` are booleans, `072` is the number 72, and
  `12:30` and dates stay strings; duplicate keys are an error (`SPEC-DUPLICATE-KEY`).

A minimal valid spec (the rules will still ask for facility, support, metrics and more):

```yaml
apiVersion: usm/v1
kind: ServiceSpecification
metadata: {{id: svc-heating, name: Heating, owner: facilities}}
provider: {{name: Facilities Management, valueMaturity: {{level: 2}}}}
customers:
  - {{id: hr, name: HR department, valueMaturity: {{level: 3}}}}
scos:
  - {{id: sco-1, statement: The office is at 21 degrees when the first people arrive.}}
```
"""


def _ref_name(node: dict) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) and ref.startswith("#/$defs/") else None


def _is_object(root: dict, node: dict) -> bool:
    target = resolve_ref(root, node["$ref"]) if "$ref" in node else node
    return isinstance(target, dict) and target.get("type") == "object"


def _scalar(root: dict, node: dict) -> str:
    """The type of a non-object value, in words, with its constraints."""
    name = _ref_name(node)
    if name is not None:
        target = resolve_ref(root, node["$ref"])
        if target.get("type") == "object":
            return f"[{target.get('title', name)}](#{_anchor(name)})"
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "anyOf" in node:
        return " or ".join(_scalar(root, option) for option in node["anyOf"])
    kind = node.get("type")
    if kind == "array":
        items = _scalar(root, node.get("items", {}))
        bounds = _bounds(node, "minItems", "maxItems", "item")
        unique = ", no repeats" if node.get("uniqueItems") else ""
        items = items + "s" if items in ("string", "number", "integer") else items
        return f"list of {items}{bounds}{unique}"
    words = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}.get(kind, "any value")
    if kind == "number" and "title" in node and node["title"] != "number":
        words = node["title"]
    extra = []
    if node.get("minLength") == 1:
        extra.append("not empty")
    if "pattern" in node:
        extra.append(f"matching `{node['pattern']}`")
    if "minimum" in node:
        extra.append(f"≥ {node['minimum']}")
    if "maximum" in node:
        extra.append(f"≤ {node['maximum']}")
    return words + (f" ({', '.join(extra)})" if extra else "")


def _bounds(node: dict, low: str, high: str, noun: str) -> str:
    lo, hi = node.get(low), node.get(high)

    def count(n: int) -> str:
        return f"{n} {noun}{'' if n == 1 else 's'}"

    if lo is not None and lo == hi:
        return f", exactly {count(lo)}"
    parts = ([f"at least {count(lo)}"] if lo else []) + ([f"at most {count(hi)}"] if hi is not None else [])
    return f", {' and '.join(parts)}" if parts else ""


def _anchor(def_name: str) -> str:
    return f"type-{def_name.lower()}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(root: dict, obj: dict) -> list[str]:
    required = set(obj.get("required", ()))
    rows = ["| Field | Type | Required | Meaning |", "|---|---|---|---|"]
    for key, node in obj.get("properties", {}).items():
        rows.append(f"| `{key}` | {_cell(_scalar(root, node))} | {'yes' if key in required else 'no'} | "
                    f"{_cell(node.get('description', ''))} |")
    if "^x-" in obj.get("patternProperties", {}):
        rows.append("| `x-…` | any value | no | An extension for your own tooling; never checked. |")
    return rows


def _object_refs(root: dict, node: dict) -> list[str]:
    """The `$defs` names of the object types a property refers to (directly, or as list items)."""
    name = _ref_name(node)
    if name is not None and _is_object(root, node):
        return [name]
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        return _object_refs(root, node["items"])
    return []


def _walk(root: dict) -> tuple[list[str], dict[str, list[str]]]:
    """Object types in the order first reached from the top, and every path where each is used."""
    order: list[str] = []
    used: dict[str, list[str]] = {}
    queue: list[tuple[dict, str]] = [(root, "")]
    while queue:
        obj, prefix = queue.pop(0)
        if prefix.count(".") > 16:  # the v1 schema has no recursion; a schema that had would stop here
            continue
        for key, node in obj.get("properties", {}).items():
            path = f"{prefix}{key}" + ("[]" if node.get("type") == "array" else "")
            for name in _object_refs(root, node):
                if name not in used:
                    order.append(name)
                    used[name] = []
                used[name].append(path)
                queue.append((root["$defs"][name], path + "."))
    return order, used


def render_reference(document: dict[str, Any] | None = None) -> str:
    """docs/spec-format.md for `document` (default: the bundled v1 schema)."""
    root = document if document is not None else schema()
    order, used = _walk(root)
    out = [INTRO.format(command=GENERATE_COMMAND), "## The document", "", _cell(root.get("description", "")), ""]
    out += _rows(root, root)
    for name in order:
        obj = root["$defs"][name]
        where = ", ".join(f"`{p}`" for p in used[name])
        out += ["", f'<a id="{_anchor(name)}"></a>', "", f"## {obj.get('title', name)}", "",
                f"{_cell(obj.get('description', ''))} Used at {where}.", ""]
        out += _rows(root, obj)
    return "\n".join(out) + "\n"


def undocumented(document: dict[str, Any] | None = None) -> list[str]:
    """Properties without a `description` (the reference would have an empty meaning for them)."""
    root = document if document is not None else schema()
    missing = []
    for owner, obj in [("(top)", root), *root.get("$defs", {}).items()]:
        for key, node in obj.get("properties", {}).items():
            if not str(node.get("description", "")).strip():
                missing.append(f"{owner}.{key}")
    return missing
