#!/usr/bin/env bash
# Follows the mirror's change feed as Server-Sent Events with curl -N: GET /v1/events/stream.
# Reconnects with Last-Event-ID whenever the stream ends (the server cut a slow reader, restarted, a network blip),
# and keeps the last id it handled in a file, so a restart resumes right after it.
#
#   MIRROR_URL=http://127.0.0.1:3000 MIRROR_TOKEN=demo-token STATE=./sse.position ./curl-sse.sh
#
# Prints one line per event: `<sequence> <event JSON>`.
set -uo pipefail
MIRROR_URL=${MIRROR_URL:-http://127.0.0.1:3000}
STATE=${STATE:-./sse.position}

while :; do
  last=$(cat "$STATE" 2>/dev/null || true) # none yet: from the oldest retained event
  id='' data=''
  while IFS= read -r line; do
    line=${line%$'\r'}
    case $line in
      'id: '*) id=${line#id: } ;;
      'data: '*) data=${line#data: } ;;
      'event: gone') echo "position ${last:-none} is older than the retention: re-read the users, then follow again" >&2 && exit 1 ;;
      '')
        # A blank line ends a frame: only a whole frame counts.
        if [[ -n $id && -n $data ]]; then
          printf '%s %s\n' "$id" "$data" # your work goes here; dedupe by event id (delivery is at least once)
          echo "$id" >"$STATE"
        fi
        id='' data=''
        ;;
    esac # comments (": keep-alive", ": closing: …") and the `event:` and `retry:` lines need nothing
  done < <(curl -sS -N --fail-with-body -H "Authorization: Bearer $MIRROR_TOKEN" ${last:+-H "Last-Event-ID: $last"} \
    "$MIRROR_URL/v1/events/stream")
  sleep 2 # the stream ended: reconnect (a 429 or 503 also lands here, and waits as long)
done
