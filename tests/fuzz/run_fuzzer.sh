#!/usr/bin/env bash
# Runs one libFuzzer binary for a fixed time on a scratch copy of its seed corpus.
# Usage: run_fuzzer.sh BINARY SEED_DIR WORK_DIR SECONDS
set -euo pipefail
binary=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/artifacts"
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
