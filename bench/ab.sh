#!/usr/bin/env bash
# ab.sh N BUILD_A BUILD_B [bench/send flags…] runs bench/send builds A and B
# alternately, one 100k campaign each, N times, and prints each build's
# fanmail CPU per message, sorted, with the median. This host's speed drifts
# by up to 30 % within minutes; alternating runs compare builds in the same
# conditions. Start the sink first (bench/send -sink-running is passed).
#
#   go build -o /tmp/send-a ./bench/send   # on the old commit
#   go build -o /tmp/send-b ./bench/send   # on the new one
#   bench/ab.sh 6 /tmp/send-a /tmp/send-b -segment
set -euo pipefail
n=$1 a=$2 b=$3
shift 3
out=$(mktemp)
for _ in $(seq 1 "$n"); do
  for v in "$a" "$b"; do
    x=$("$v" -n 100000 -runs 1 -sink-running "$@" 2>&1 | grep -o 'fanmail CPU [0-9.]*' | awk '{print $3}')
    echo "$v $x" | tee -a "$out"
  done
done
for v in "$a" "$b"; do
  grep "^$v " "$out" | awk '{print $2}' | sort -n |
    awk -v name="$v" '{x[NR] = $1; s = s " " $1} END {m = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2; print name ":" s "  median " m}'
done
rm -f "$out"
