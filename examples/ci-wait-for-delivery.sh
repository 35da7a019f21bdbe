#!/bin/sh
# CI step: wait until a test email is delivered, or fail.
#
#   MESSAGE_ID=... ./ci-wait-for-delivery.sh [PROFILE] [TIMEOUT]
#
# Exit codes: 0 delivered; 1 not delivered within TIMEOUT; 77 credentials
# refused; 2/78 usage or configuration (see the README's "Exit codes").
set -eu

: "${MESSAGE_ID:?set MESSAGE_ID to the provider's message id of the test email}"
PROFILE=${1:-${MAILLOGS_PROFILE:-}}
TIMEOUT=${2:-5m}
set -- --message-id "$MESSAGE_ID" --status delivered
if [ -n "$PROFILE" ]; then
    set -- "$@" --profile "$PROFILE"
fi

delivered() {
    [ -n "$(maillogs list "$@" --limit 1 --format jsonl)" ]
}

# Already delivered before this step began? `tail` only prints what is new.
if delivered "$@"; then
    exit 0
fi
# The wait itself: one line and exit 0 once the message is delivered, exit 1
# after TIMEOUT.
status=0
maillogs tail "$@" --lines 0 --count 1 --timeout "$TIMEOUT" --format jsonl || status=$?
# A delivery between the check above and tail's first poll is in the window
# tail starts from, so tail does not print it: look once more before failing.
if [ "$status" -eq 1 ] && delivered "$@"; then
    exit 0
fi
exit "$status"
