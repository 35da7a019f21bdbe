"""Running ``maillogs`` in a subprocess against a sandbox, and reading exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maillogs.providers.edith.spec import DEMO_TOKEN as EDITH_TOKEN
from maillogs.providers.infobip.spec import DEMO_API_KEY as INFOBIP_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_API_KEY as KALEYRA_API_KEY
from maillogs.providers.kaleyra.spec import DEMO_SID as KALEYRA_SID

SANDBOX_PROFILES = "sandbox-kaleyra,sandbox-edith,sandbox-infobip"


def sandbox_config(base_url: str, *, infobip_key: str = INFOBIP_API_KEY) -> str:
    """Profiles for a sandbox at ``base_url``; no client-side rate limit, for speed."""
    return (
        f'[profiles.sandbox-kaleyra]\nprovider = "kaleyra"\nbase_url = "{base_url}"\n'
        f'sid = "{KALEYRA_SID}"\napi_key = "{KALEYRA_API_KEY}"\nrate_limit_per_minute = 0\n\n'
        f'[profiles.sandbox-edith]\nprovider = "edith"\nbase_url = "{base_url}"\n'
        f'token = "{EDITH_TOKEN}"\nrate_limit_per_minute = 0\n\n'
        f'[profiles.sandbox-infobip]\nprovider = "infobip"\nbase_url = "{base_url}"\n'
        f'api_key = "{infobip_key}"\napi_version = 4\nrate_limit_per_minute = 0\n'
    )


@dataclass
class Workspace:
    """A config file, a state directory and an output directory for one test."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def write_config(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")
        self.config.chmod(0o600)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLOGS_")}
        env["MAILLOGS_CONFIG"] = str(self.config)
        env["MAILLOGS_STATE_DIR"] = str(self.state)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "maillogs", *args]

    def run(
        self, *args: str, umask: int = -1, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            umask=umask,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def temp_files(self, output: Path) -> list[Path]:
        return sorted(output.parent.glob(f".{output.name}.*.tmp"))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, str | None]]:
    """The de-duplication key of each row, in file order."""
    return [(r["provider"], r["profile"], r["message_id"], r["recipient"]) for r in rows]
