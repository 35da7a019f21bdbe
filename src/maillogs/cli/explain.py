"""``--explain``: what would be sent, and which filters run where."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from maillogs.providers.base import Adapter, Plan


def print_explanation(
    plans: Sequence[Plan], adapters: Sequence[Adapter], limit: int | None
) -> None:
    """Print, per profile, the first request of each walk (secrets redacted)."""
    out = sys.stdout
    for plan, adapter in zip(plans, adapters, strict=True):
        out.write(f"profile {plan.profile} ({adapter.spec().title})\n")
        if not plan.requests:
            out.write("  no request needed\n")
        for path, params in plan.requests:
            out.write(f"  GET {adapter.http.describe(path, params)}\n")
        out.write(f"  native: {', '.join(plan.native) or 'nothing'}\n")
        local = ["every filter is re-checked on each record", *plan.local]
        out.write(f"  local:  {', '.join(local)}\n")
        for note in plan.notes:
            out.write(f"  note:   {note}\n")
    if limit is not None:
        out.write(f"stops after {limit} records, newest first\n")
