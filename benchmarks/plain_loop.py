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

import httpx

# The sandbox's fixed, public demo credentials (see maillogs/sandbox/credentials.py).
HEADERS = {
    "kaleyra": {"api-key": "demo-kaleyra-key"},
    "edith": {"Authorization": "Bearer demo-edith-token"},
    "infobip": {"Authorization": "App demo-infobip-key"},
}
KALEYRA_PAGE = 100
EDITH_PAGE = 50
INFOBIP_PAGE = 1000


def bodies(client: httpx.Client, provider: str) -> Iterator[tuple[bytes, list[object]]]:
    """Every page of ``provider``'s logs, in order: (raw body, its rows)."""
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
        token = None
        while True:
            params = {"pageSize": EDITH_PAGE, **({"pageToken": token} if token else {})}
            content = client.get("/v1/email/logs", params=params).content
            body = json.loads(content)
            yield content, body["emailLogs"]
            token = body.get("nextPageToken")
            if not token:
                return
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


def client_for(provider: str, base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=HEADERS[provider], timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("provider", choices=sorted(HEADERS))
    parser.add_argument("base_url")
    parser.add_argument("output")
    args = parser.parse_args()
    with (
        client_for(args.provider, args.base_url) as client,
        open(args.output, "w", encoding="utf-8") as out,  # noqa: PTH123 - a user's script
    ):
        for _, rows in bodies(client, args.provider):
            for row in rows:
                out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
