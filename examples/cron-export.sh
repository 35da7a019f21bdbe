#!/usr/bin/env bash
# Nightly archive of email delivery logs with `maillogs export`.
#
# Each run exports what happened since the last successful run (plus a
# two-hour lookback, see `maillogs export --help`) to its own dated file.
# Temporary failures (exit 75: a provider still failing after maillogs' own
# retries, or the previous run still holding the lock) are retried here with
# growing, jittered pauses. Nothing is printed unless the job finally fails
# or maillogs warns (an Infobip range clipped to its 48 hours, say), so cron
# mails only what needs a look; every failed attempt is also logged.
#
# crontab line (every night at 02:15; secrets in a file only the job's user can read;
# cron's PATH is /usr/bin:/bin, so name the maillogs that `uv tool install` put in ~/.local/bin):
#   15 2 * * *  . "$HOME/.config/maillogs/secrets.env" && MAILLOGS_BIN="$HOME/.local/bin/maillogs" "$HOME/bin/cron-export.sh"
#
# secrets.env (mode 0600), names as in examples/config.toml:
#   export MAILLOGS_PROD_KALEYRA_SID=... MAILLOGS_PROD_KALEYRA_API_KEY=...
#   export MAILLOGS_PROD_EDITH_TOKEN=... MAILLOGS_PROD_INFOBIP_API_KEY=...
#
# Settings (environment variables, all optional):
#   MAILLOGS_EXPORT_DIR       archive directory             (default: ~/maillogs-archive)
#   MAILLOGS_EXPORT_PROFILES  profiles to export            (default: the config's default_profile)
#   MAILLOGS_EXPORT_STATE     checkpoint and lock name      (default: nightly)
#   MAILLOGS_EXPORT_FORMAT    jsonl, json, csv or tsv       (default: jsonl)
#   MAILLOGS_EXPORT_ATTEMPTS  tries on exit 75              (default: 5)
#   MAILLOGS_EXPORT_BACKOFF   first pause in seconds        (default: 60, doubling)
#   MAILLOGS_EXPORT_LOG       failure log                   (default: $MAILLOGS_EXPORT_DIR/failures.log)
#   MAILLOGS_BIN              the maillogs executable       (default: maillogs on PATH)
set -euo pipefail

export_dir="${MAILLOGS_EXPORT_DIR:-$HOME/maillogs-archive}"
profiles="${MAILLOGS_EXPORT_PROFILES:-}"
state="${MAILLOGS_EXPORT_STATE:-nightly}"
format="${MAILLOGS_EXPORT_FORMAT:-jsonl}"
attempts="${MAILLOGS_EXPORT_ATTEMPTS:-5}"
pause="${MAILLOGS_EXPORT_BACKOFF:-60}"
log="${MAILLOGS_EXPORT_LOG:-$export_dir/failures.log}"
maillogs="${MAILLOGS_BIN:-maillogs}"

umask 077
mkdir -p "$export_dir"
# A run killed mid-write (SIGKILL, a systemd timeout) leaves its temporary
# file; maillogs removes it only when a run writes that same file again, and
# every run here writes a new dated one. A day old, it belongs to no live run
# of a nightly job (the systemd unit stops a run after 2 hours).
find "$export_dir" -maxdepth 1 -name '.maillogs-*.tmp' -mmin +1440 -delete

# Down to the second, in UTC, and fixed before the first attempt: a retry
# rewrites the same (never committed) file, and a second run on the same day
# gets a file of its own instead of replacing the first one's.
output="$export_dir/maillogs-$(date -u +%Y-%m-%dT%H%M%SZ).$format"

args=(export --since-last --state "$state" --format "$format" --output "$output")
if [[ -n "$profiles" ]]; then
    args+=(--profile "$profiles")
fi

log_line() {
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$log"
}

for ((attempt = 1; ; attempt++)); do
    code=0
    # stdout is empty for an export; keep stderr to report it.
    errors="$("$maillogs" "${args[@]}" 2>&1 >/dev/null)" || code=$?
    if ((code == 0)); then
        # Warnings of a successful run (e.g. a window clipped to Infobip's
        # 48-hour retention) still deserve a mail.
        if [[ -n "$errors" ]]; then
            printf '%s\n' "$errors" >&2
        fi
        exit 0
    fi
    log_line "attempt $attempt/$attempts, exit $code: ${errors//$'\n'/ | }"
    if ((code != 75 || attempt >= attempts)); then
        printf 'maillogs export failed (exit %s) after %s attempt(s); see %s\n%s\n' \
            "$code" "$attempt" "$log" "$errors" >&2
        exit "$code"
    fi
    # Full jitter, so jobs on several hosts do not retry in step.
    sleep "$((pause / 2 + RANDOM % (pause / 2 + 1)))"
    pause=$((pause * 2))
done
