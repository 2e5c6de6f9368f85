#!/usr/bin/env bash
# A snapshot of a service's users, then the feed from where the snapshot stands, without a gap or an overlap.
# Writes every page of GET /v1/services/{IS}/users to stdout (one JSON document a line), then the first page's
# as_of_sequence to STATE, the position file curl-long-poll.sh follows from:
#
#   MIRROR_URL=http://127.0.0.1:3000 MIRROR_TOKEN=demo-token STATE=./feed.position ./snapshot.sh IS… > users.jsonl
#   MIRROR_URL=http://127.0.0.1:3000 MIRROR_TOKEN=demo-token STATE=./feed.position ./curl-long-poll.sh
#
# Writes go on while the pages are read, so a later page may already hold changes that the feed then brings
# again: apply an event only when its data.version is above the version of the user you hold (docs/read-api.md).
set -euo pipefail
MIRROR_URL=${MIRROR_URL:-http://127.0.0.1:3000}
STATE=${STATE:-./feed.position}
service=$1
cursor='' as_of=''

while :; do
  page=$(curl -sS --fail-with-body -H "Authorization: Bearer $MIRROR_TOKEN" \
    "$MIRROR_URL/v1/services/$service/users?limit=1000${cursor:+&cursor=$cursor}")
  printf '%s\n' "$page"
  : "${as_of:=$(sed -n 's/.*"as_of_sequence":"\([0-9]*\)"}$/\1/p' <<<"$page")}" # the first page's
  cursor=$(sed -n 's/.*"next_cursor":"\([^"]*\)","as_of_sequence":"[0-9]*"}$/\1/p' <<<"$page")
  [[ -n $cursor ]] || break
done
echo "$as_of" >"$STATE" # only once the snapshot is whole
