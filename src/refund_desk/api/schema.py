"""What the generated OpenAPI schema cannot learn from the serializers: the import's array bounds, that
no text field takes a NUL character (DRF refuses it in every CharField), and that amounts in a request are
never negative."""

from __future__ import annotations

from typing import Any

from refund_desk.api.views import MAX_IMPORT_FILES

NO_NUL = "^[^\\u0000]*$"
# Amounts a request sends (refund lines, delivery): not negative, at most 10 digits and 2 decimals.
AMOUNT = "^[0-9]{1,10}(\\.[0-9]{1,2})?$"


def declare_limits(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: an import array holds 1 to MAX_IMPORT_FILES case files; text
    in a request body has no NUL character."""
    schemas = result.get("components", {}).get("schemas", {})
    for variant in schemas.get("CaseFileOrListRequest", {}).get("oneOf", []):
        if variant.get("type") == "array":
            variant.update({"minItems": 1, "maxItems": MAX_IMPORT_FILES})
    for name, schema in schemas.items():
        if name.endswith("Request"):
            for field in schema.get("properties", {}).values():
                if field.get("type") == "string" and field.get("format") == "decimal":
                    field["pattern"] = AMOUNT
                elif field.get("type") == "string" and "enum" not in field and "format" not in field:
                    field.setdefault("pattern", NO_NUL)
    return result
