#!/usr/bin/env bash
# Runs the tests on a busy machine: every core is kept busy by other
# processes (busy loops) while a command runs N times in a row, and each
# iteration's result and seconds are reported. The tests must pass so, with
# the race detector too: no test may depend on how fast the machine is.
#
# usage: .ci/busy.sh [-n N] [-l LOOPS] [-k] [COMMAND...]
#   -n N      iterations (default 3)
#   -l LOOPS  busy loops kept running meanwhile (default 3: more than this
#             machine's 2 cores)
#   -k        keep go's test cache between iterations (by default it is
#             cleaned before each, so that every test runs each time, as
#             on a fresh clone)
#   COMMAND   what to run each iteration; without one, the README's test
#             command (go test ./...), then the race detector's
#             (go test -race -count=1 ./...). E.g.: .ci/busy.sh -n 2 bash .ci/run
#                                                    .ci/busy.sh go test -count=3 -run TestFaultMatrix .
# Exit status 1 when any iteration failed; the failed runs' logs are kept
# (their paths are printed).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

n=3 loops=3 keep=false
while getopts "n:l:k" opt; do
	case $opt in
	n) n=$OPTARG ;;
	l) loops=$OPTARG ;;
	k) keep=true ;;
	*) echo "usage: $0 [-n N] [-l LOOPS] [-k] [COMMAND...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[[ $n =~ ^[1-9][0-9]*$ && $loops =~ ^[0-9]+$ ]] || { echo "$0: -n wants a positive number, -l a number" >&2; exit 2; }

commands=()
if (($# > 0)); then
	commands+=("$(printf '%q ' "$@")")
else
	commands+=("go test ./..." "go test -race -count=1 ./...")
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/oz-run-busy.XXXXXX")
pids=()
stop_loops() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	pids=()
}
trap stop_loops EXIT
trap 'stop_loops; exit 130' INT
trap 'stop_loops; exit 143' TERM

# Build the test binaries before the load starts (the default commands
# only), so that the first iteration's seconds are comparable to the others.
if (($# == 0)); then
	go test -count=1 -run '^$' ./... >/dev/null 2>&1
	go test -race -count=1 -run '^$' ./... >/dev/null 2>&1
fi

for ((i = 0; i < loops; i++)); do
	sh -c 'while :; do :; done' &
	pids+=($!)
done
echo "busy: $loops busy loops on $(nproc) cores (pids ${pids[*]}); $n iterations of:"
printf '  %s\n' "${commands[@]}"

failed=0
summary=()
for ((it = 1; it <= n; it++)); do
	for c in "${commands[@]}"; do
		$keep || go clean -testcache
		log="$logs/$it-$(printf '%s' "$c" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-60).log"
		start=$(date +%s.%N)
		bash -c "$c" >"$log" 2>&1
		rc=$?
		secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
		load=$(cut -d' ' -f1 /proc/loadavg)
		if ((rc == 0)); then
			line="iteration $it: PASS in ${secs}s (load $load): $c"
			rm -f "$log"
		else
			failed=$((failed + 1))
			line="iteration $it: FAIL (exit $rc) in ${secs}s (load $load): $c; log: $log"
			grep -E -- '--- FAIL|^FAIL|panic:|Error:|expected|actual|Messages:|\.go:[0-9]+:[0-9]+: ' "$log" | head -30 | sed 's/^/    /'
		fi
		echo "$line"
		summary+=("$line")
	done
done
stop_loops

echo
echo "busy: $failed failed of $((n * ${#commands[@]})) runs"
printf '  %s\n' "${summary[@]}"
if ((failed == 0)); then
	rmdir "$logs" 2>/dev/null
	exit 0
fi
exit 1
