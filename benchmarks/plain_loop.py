"""What a user would write without maillogs: the baseline of the benchmarks.

A sequential loop of plain GETs over a provider's pages, ``json.loads`` on
each body, one raw row per line. No normalization, no filters, no retries.
Run against a sandbox (``maillogs sandbox serve``), whose demo credentials are
public::

    python benchmarks/plain_loop.py kaleyra http://127.0.0.1:8025 out.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx

# The sandbox's fixed, public demo credentials (each provider's `demo_settings`,
# in maillogs/providers/<name>/spec.py).
HEADERS = {
    "kaleyra": {"api-key": "demo-kaleyra-key"},
    "edith": {"Authorization": "Bearer demo-edith-token"},
    "infobip": {"Authorization": "App demo-infobip-key"},
}
KALEYRA_PAGE = 100
EDITH_PAGE = 50
INFOBIP_PAGE = 1000
EDITH_WINDOW = timedelta(days=7)  # EDITH refuses a longer range


def bodies(
    client: httpx.Client, provider: str, days: int | None = None
) -> Iterator[tuple[bytes, list[object]]]:
    """Every page of ``provider``'s logs, in order: (raw body, its rows).

    ``days`` (EDITH only): walk that many days back in 7-day windows, newest
    first, as EDITH refuses longer ranges; without it, its default 7 days.
    """
    if provider == "edith" and days is not None:
        end = datetime.now(UTC)
        floor = end - timedelta(days=days)
        while end > floor:
            start = max(floor, end - EDITH_WINDOW)
            yield from _edith_walk(client, {"startCreatedAt": _z(start), "endCreatedAt": _z(end)})
            end = start
        return
    params: dict[str, str | int]
    if provider == "kaleyra":
        page = 1
        while True:
            params = {"page": page, "limit": KALEYRA_PAGE}
            content = client.get("/v1/DEMO-SID/email/logs", params=params).content
            rows = json.loads(content)["data"]
            yield content, rows
            if len(rows) < KALEYRA_PAGE:
                return
            page += 1
    elif provider == "edith":
        yield from _edith_walk(client, {})
    elif provider == "infobip":
        cursor = None
        while True:
            params = {"useCursor": "true", "limit": INFOBIP_PAGE}
            if cursor:
                params["cursor"] = cursor
            content = client.get("/email/4/logs", params=params).content
            body = json.loads(content)
            yield content, body["results"]
            cursor = (body.get("cursor") or {}).get("nextCursor")
            if not cursor:
                return
    else:
        raise ValueError(f"unknown provider {provider!r}")


def _edith_walk(
    client: httpx.Client, dates: dict[str, str]
) -> Iterator[tuple[bytes, list[object]]]:
    token = None
    while True:
        params = {**dates, "pageSize": EDITH_PAGE, **({"pageToken": token} if token else {})}
        content = client.get("/v1/email/logs", params=params).content
        body = json.loads(content)
        yield content, body["emailLogs"]
        token = body.get("nextPageToken")
        if not token:
            return


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def client_for(provider: str, base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=HEADERS[provider], timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("provider", choices=sorted(HEADERS))
    parser.add_argument("base_url")
    parser.add_argument("output")
    parser.add_argument("--days", type=int, help="EDITH: days back, in 7-day windows")
    args = parser.parse_args()
    with (
        client_for(args.provider, args.base_url) as client,
        open(args.output, "w", encoding="utf-8") as out,  # noqa: PTH123 - a user's script
    ):
        for _, rows in bodies(client, args.provider, args.days):
            for row in rows:
                out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
