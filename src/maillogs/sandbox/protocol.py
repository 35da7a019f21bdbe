"""Transport-neutral request/response values shared by the emulator and its transports."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Request:
    """One incoming request, already split; header names are lower case."""

    method: str
    path: str
    query: Sequence[tuple[str, str]]
    headers: Mapping[str, str]
    # Set by the fault plan: EDITH must treat the page token as expired.
    expire_token: bool = False

    def first(self, name: str) -> str | None:
        """The first non-empty value of a query parameter.

        An empty value (``?toMail=``) counts as absent, as in most web frameworks.
        """
        for key, value in self.query:
            if key == name and value != "":
                return value
        return None

    def all(self, name: str) -> list[str]:
        """Every non-empty value of a repeatable query parameter, in order."""
        return [value for key, value in self.query if key == name and value != ""]


@dataclass(slots=True)
class SandboxResponse:
    """What the emulator answers.

    ``drop`` asks the transport to close the connection without answering;
    ``delay_s`` is the latency the transport must add before answering.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: bool = False
    delay_s: float = 0.0


def json_response(
    status: int, payload: Any, headers: Mapping[str, str] | None = None
) -> SandboxResponse:
    """Serialise ``payload`` compactly as UTF-8 JSON (non-ASCII kept as is, like the APIs)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    all_headers = {"Content-Type": JSON_TYPE}
    if headers:
        all_headers.update(headers)
    return SandboxResponse(status, all_headers, body)


class ProviderApi(Protocol):
    """One emulated provider: its routes and its error style."""

    def handle(self, request: Request) -> SandboxResponse:
        """Answer a request whose path belongs to this provider."""
        ...

    def error(self, request: Request, status: int) -> SandboxResponse:
        """This provider's own error body for an injected ``status`` (429 or 500)."""
        ...


class Refusal(Exception):
    """A request the provider refuses: ``subject`` (an error title, or the
    parameter at fault) and ``reason``, for the provider's own error body."""

    def __init__(self, subject: str, reason: str) -> None:
        super().__init__(reason)
        self.subject = subject
        self.reason = reason


def page_size(
    request: Request,
    name: str,
    *,
    default: int,
    maximum: int,
    refuse: Callable[[str], Exception],
    too_large: str = "must not exceed",
) -> int:
    """The page size query parameter ``name`` asks for (``default`` when absent).

    A value that is not a whole number of at least 1, or one above ``maximum``,
    raises ``refuse(problem)``: each provider words its own error around the
    problem ("must be a positive integer", or ``too_large`` and the maximum).
    """
    text = request.first(name)
    if text is None:
        return default
    size = parse_int(text)
    if size is None or size < 1:
        raise refuse("must be a positive integer")
    if size > maximum:
        raise refuse(f"{too_large} {maximum}")
    return size


def parse_int(value: str) -> int | None:
    """A strict decimal integer (optional sign, digits only), or ``None``."""
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit():
        return None
    return int(text)
