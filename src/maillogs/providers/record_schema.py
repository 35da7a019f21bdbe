"""The JSON Schema of one output record: what ``maillogs schema`` prints and
what the Singer tap declares for its stream (one source of truth)."""

from __future__ import annotations

from typing import Any


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`~maillogs.core.models.LogRecord` as serialized,
    with the registry's provider names in the ``provider`` description."""
    from maillogs.core.record_model import LogRecordModel
    from maillogs.providers.registry import PROVIDERS

    schema = LogRecordModel.model_json_schema(mode="serialization")
    # Every written record carries every key (null when the provider gives no
    # value; the README promises the keys and their order), so all are
    # required; pydantic lists only the fields without a default. `raw` is
    # there only with --raw.
    schema["required"] = [name for name in schema["properties"] if name != "raw"]
    # The record contract (core) knows no provider; the registry names them.
    names = list(PROVIDERS)
    schema["properties"]["provider"]["description"] = (
        f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
    )
    return schema
