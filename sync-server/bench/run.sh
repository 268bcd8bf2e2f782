#!/usr/bin/env bash
# The push load bench of BENCHMARKS.md: 3 sync-server processes on one PostgreSQL, 50
# simulated devices pushing 100-event batches at once (dockhand-load), then the raw-SQL
# floor of the same writes with pgbench. Needs PostgreSQL at $PGHOST (trust auth, user
# postgres) and release builds:
#   cargo build --release -p dockhand-sync-server --bin dockhand-sync-server
#   cargo build --release -p dockhand-tests --features load --bin dockhand-load
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-target}/release
PGHOST=${PGHOST:-127.0.0.1}
DB=${BENCH_DB:-dockhand_bench}
ROUNDS=${ROUNDS:-3}
BATCHES=${BATCHES:-4}
export DATABASE_URL="postgres://postgres@$PGHOST:5432/$DB"
psql -q -h "$PGHOST" -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
"$TARGET/dockhand-sync-server" migrate > /dev/null
psql -q -h "$PGHOST" -U postgres -d "$DB" -f sync-server/bench/floor_setup.sql
LOGS=$(mktemp -d)
for round in $(seq "$ROUNDS"); do
  pids=()
  for port in 18081 18082 18083; do
    RUST_LOG=warn "$TARGET/dockhand-sync-server" --db-connections 16 serve --listen "127.0.0.1:$port" \
      > "$LOGS/server-$port.log" 2>&1 &
    pids+=($!)
  done
  sleep 1
  echo "round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$TARGET/dockhand-load" --url http://127.0.0.1:18081,http://127.0.0.1:18082,http://127.0.0.1:18083 \
    --devices 50 --batch 100 --batches "$BATCHES" | sed 's/^/  server: /'
  kill "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
  # The floor of the same writes, one transaction per 100-event batch, set-based (what the
  # server does); FLOOR_EVENT=1 also runs the older one-transaction-per-event floor.
  tps=$(pgbench -h "$PGHOST" -U postgres -n -c 50 -j 2 -T 15 -f sync-server/bench/floor_batch.sql "$DB" 2>&1 \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo "  floor (batch of 100, set-based): ${tps} tps = $(echo "$tps * 100" | bc) events/s"
  if [ "${FLOOR_EVENT:-0}" = 1 ]; then
    echo "  floor (one event per transaction):  $(pgbench -h "$PGHOST" -U postgres -n -c 50 -j 2 -T 15 -f sync-server/bench/floor_event.sql "$DB" 2>&1 \
      | grep -E '^(tps|latency average)' | tr '\n' ' ')"
  fi
done
psql -q -h "$PGHOST" -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
