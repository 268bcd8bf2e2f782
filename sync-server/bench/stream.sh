#!/usr/bin/env bash
# The stock stream bench of BENCHMARKS.md ("Stock stream"): what the outbox triggers cost the
# push load, the relay's sustained rate on a backlog, and commit → consumer latency while the
# push load runs. Needs PostgreSQL at $PGHOST, NATS with JetStream at $NATS_URL and release
# builds (ONLY_LATENCY=1 runs step 4 alone; PROBES=N probe devices side by side; TIMELINE=FILE writes each probe's latency by
# time; SERVER_LOG sets the servers' RUST_LOG, their logs stay in $KEEP_LOGS if set):
#   cargo build --release -p dockhand-sync-server --bin dockhand-sync-server
#   cargo build --release -p dockhand-tests --features load --bin dockhand-load --bin dockhand-stream-bench
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-target}/release
PGHOST=${PGHOST:-127.0.0.1}
DB=${BENCH_DB:-dockhand_stream_bench}
ROUNDS=${ROUNDS:-2}
BATCHES=${BATCHES:-4}
export DATABASE_URL="postgres://postgres@$PGHOST:5432/$DB"
export NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
export DOCKHAND_STREAM_NAME="BENCH_$$" DOCKHAND_STREAM_PREFIX="bench$$"
URLS=http://127.0.0.1:18081,http://127.0.0.1:18082,http://127.0.0.1:18083
LOGS=${KEEP_LOGS:-$(mktemp -d)}
mkdir -p "$LOGS"
pids=()

fresh_db() {
  psql -q -h "$PGHOST" -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  "$TARGET/dockhand-sync-server" migrate > /dev/null
}
triggers() { # enable | disable
  psql -q -h "$PGHOST" -U postgres -d "$DB" -c "ALTER TABLE ledger $1 TRIGGER ledger_outbox" \
    -c "ALTER TABLE conflicts $1 TRIGGER conflicts_outbox" -c "ALTER TABLE resolutions $1 TRIGGER resolutions_outbox"
}
start_servers() { # relay: true | false
  pids=()
  for port in 18081 18082 18083; do
    RUST_LOG=${SERVER_LOG:-warn} "$TARGET/dockhand-sync-server" --db-connections 16 serve --listen "127.0.0.1:$port" \
      --relay "$1" > "$LOGS/server-$port.log" 2>&1 &
    pids+=($!)
  done
  sleep 1
}
stop_servers() {
  kill "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
}
load() {
  "$TARGET/dockhand-load" --url "$URLS" --devices 50 --batch 100 --batches "$1" | tail -n 1
}

for round in $(seq "$ROUNDS"); do
  echo "round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -z "${ONLY_LATENCY:-}" ]; then
  fresh_db; triggers disable; start_servers false
  echo "  push, no outbox triggers:   $(load "$BATCHES")"
  stop_servers
  fresh_db; start_servers false
  echo "  push, outbox triggers:      $(load "$BATCHES")"
  stop_servers
  echo "  relay drain, 1 relay:       $("$TARGET/dockhand-stream-bench" drain --relays 1 | tail -n 1)"
  fresh_db; start_servers false
  load "$BATCHES" > /dev/null
  stop_servers
  echo "  relay drain, 3 relays:      $("$TARGET/dockhand-stream-bench" drain --relays 3 | tail -n 1)"
  fi
  fresh_db; start_servers true
  "$TARGET/dockhand-stream-bench" latency --url http://127.0.0.1:18081 --seconds "${PROBE_SECONDS:-20}" \
    --probes "${PROBES:-1}" ${TIMELINE:+--timeline "$TIMELINE"} \
    > "$LOGS/latency.txt" &
  probe=$!
  sleep 1
  echo "  push, relays in the 3 servers: $(load "$((BATCHES * 2))")"
  wait "$probe"
  stop_servers
  sed 's/^/  /' "$LOGS/latency.txt"
done
"$TARGET/dockhand-stream-bench" delete-stream > /dev/null
psql -q -h "$PGHOST" -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
