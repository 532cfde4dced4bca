#!/bin/sh
# Run the benches, each as `npx tsx bench/<name>.ts`; each prints its table and appends it to
# bench/RESULTS.md (BENCH_NO_RECORD=1: print only).
#
#   bench/run.sh              all, in the order below
#   bench/run.sh api ws       the named ones, in the order given
#
# Order: the figures that need a quiet machine most (the monitor's own cost) first, then the
# load generators (api, ws), startup, history, and bundle (sizes only, needs `npm run build`).
# A heavy bench leaves the load average high, and every bench refuses a busy machine (see
# bench/lib/machine.ts), so between benches each waits up to BENCH_WAIT_QUIET seconds (here
# 600 unless set) for the 1-minute load average to fall below 0.5. Other settings (BENCH_FORCE,
# BENCH_DURATION_S, …) pass through. Exits non-zero when any bench failed or refused to run.
set -u
cd "$(dirname "$0")/.." || exit 1

ALL="overhead compare process-scan api ws startup history bundle"
[ "$#" -gt 0 ] || set -- $ALL
export BENCH_WAIT_QUIET="${BENCH_WAIT_QUIET:-600}"

failed=""
for name in "$@"; do
  if [ ! -f "bench/$name.ts" ]; then
    echo "bench/run.sh: no bench/$name.ts (known: $ALL)" >&2
    failed="$failed $name"
    continue
  fi
  echo "== bench/run.sh: $name ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  if ! npx tsx "bench/$name.ts"; then
    echo "bench/run.sh: $name failed" >&2
    failed="$failed $name"
  fi
done
if [ -n "$failed" ]; then
  echo "bench/run.sh: failed or refused:$failed" >&2
  exit 1
fi
