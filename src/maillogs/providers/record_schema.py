"""The JSON Schema of one output record: what ``maillogs schema`` prints and
what the Singer tap declares for its stream (one source of truth)."""

from __future__ import annotations

from typing import Any


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`~maillogs.core.models.LogRecord` as serialized,
    with the registry's provider names in the ``provider`` description."""
    from maillogs.core.models import LogRecord
    from maillogs.providers.registry import PROVIDERS

    schema = LogRecord.model_json_schema(mode="serialization")
    # The record contract (core) knows no provider; the registry names them.
    names = list(PROVIDERS)
    schema["properties"]["provider"]["description"] = (
        f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
    )
    return schema
