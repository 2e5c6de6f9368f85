#!/usr/bin/env bash
# A consumer of the Redis Stream with nothing but redis-cli: a consumer group, XREADGROUP, XACK.
# Any language's Redis client does the same three commands. Runs until stopped.
#
#   REDIS_URL=redis://127.0.0.1:6379 EVENTS_STREAM='{mirror}:user-events' GROUP=crm-sync ./redis-cli-consumer.sh
#
# Prints one line per event: `<entry id> <event type>`, then the event's JSON on the next line.
set -euo pipefail
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
STREAM=${EVENTS_STREAM:-'{mirror}:user-events'}
GROUP=${GROUP:-crm-sync}
CONSUMER=${CONSUMER:-$(hostname)} # stable across restarts: a restarted consumer resumes its own pending entries

r() { redis-cli -u "$REDIS_URL" --raw "$@"; }

# The group starts at 0, the whole retained stream: the handler's dedupe skips what it already applied.
create_group() { r XGROUP CREATE "$STREAM" "$GROUP" 0 MKSTREAM | grep -v -e '^OK$' -e '^BUSYGROUP' >&2 || true; }

# Your work goes here. Delivery is at least once: record the event id with its effects, in one transaction, and
# skip an id already recorded.
handle() { # $1 entry id, $2 event type, $3 event JSON
  printf '%s %s\n%s\n' "$1" "$2" "$3"
}

# Reads from id $1 (0: this consumer's pending entries, after a restart; >: new ones), handles each entry, then
# acknowledges what it read. Sets READ to the number of entries read.
read_batch() {
  local out line field='' type='' event='' ids=()
  READ=0
  out=$(r XREADGROUP GROUP "$GROUP" "$CONSUMER" COUNT 100 BLOCK 5000 STREAMS "$STREAM" "$1")
  if [[ $out == NOGROUP* ]]; then
    # Redis lost the stream and the group (restarted empty): the mirror refills the stream from its outbox.
    # Recreate the group at 0, never where this consumer was: entries pending in the lost group may lie before.
    create_group
    return
  fi
  # --raw prints the reply flat: the stream's name, then each entry's id and its field and value lines.
  while IFS= read -r line; do
    if [[ -n $field ]]; then
      case $field in
        type) type=$line ;;
        event) event=$line ;;
      esac
      field=''
      if [[ -n $type && -n $event ]]; then
        handle "${ids[-1]}" "$type" "$event"
        type='' event=''
      fi
    elif [[ $line =~ ^[0-9]+-[0-9]+$ ]]; then
      ids+=("$line") # an entry deleted while pending comes without fields: acknowledged, nothing to handle
    elif [[ -n $line && $line != "$STREAM" ]]; then
      field=$line
    fi
  done <<<"$out"
  if ((${#ids[@]})); then r XACK "$STREAM" "$GROUP" "${ids[@]}" >/dev/null; fi # only after the work is done
  READ=${#ids[@]}
}

create_group
read_batch 0
while ((READ > 0)); do read_batch 0; done # this consumer's pending entries first
while :; do read_batch '>'; done
