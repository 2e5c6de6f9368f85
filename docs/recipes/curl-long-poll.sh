#!/usr/bin/env bash
# Follows the mirror's change feed by long-poll with curl: GET /v1/events?after=&limit=&wait=.
# Runs until stopped; keeps its position in a file, so a restart resumes where it stopped.
#
#   MIRROR_URL=http://127.0.0.1:3000 MIRROR_TOKEN=demo-token STATE=./feed.position ./curl-long-poll.sh
#
# Prints each answer that holds events (one JSON document a line: {"events":[…],"next_after":"…"}).
set -euo pipefail
MIRROR_URL=${MIRROR_URL:-http://127.0.0.1:3000}
STATE=${STATE:-./feed.position}
after=$(cat "$STATE" 2>/dev/null || true) # none yet: from the oldest retained event

while :; do
  body=$(curl -sS -w '\n%{http_code}' -H "Authorization: Bearer $MIRROR_TOKEN" \
    "$MIRROR_URL/v1/events?limit=100&wait=25${after:+&after=$after}") || { sleep 2; continue; } # network: try again
  status=${body##*$'\n'} body=${body%$'\n'*}
  case $status in
    200)
      if [[ $body != '{"events":[]'* ]]; then
        printf '%s\n' "$body" # your work goes here; dedupe by event id (delivery is at least once)
        after=$(sed -n 's/.*"next_after":"\([0-9]*\)"}$/\1/p' <<<"$body")
        echo "$after" >"$STATE" # after the work: a crash re-reads this page, it never skips it
      fi
      ;;
    429) sleep $((5 + RANDOM % 5)) ;; # too many open feed requests for the token or the server: Retry-After is 5
    410 | 400)
      # 410: the position is older than the retention (events were missed); 400 naming last_sequence: the
      # position is from another database. Either way: re-read the users, then follow from a current sequence.
      echo "feed refused position ${after:-none}: $body" >&2
      exit 1
      ;;
    *) echo "feed answered $status: $body" >&2 && sleep 2 ;;
  esac
done
