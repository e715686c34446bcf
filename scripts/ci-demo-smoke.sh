#!/usr/bin/env bash
# CI: `npm start` as the README runs it. Waits for the dashboard's URL, checks that the page and the
# Prometheus endpoint answer with callmos's metrics once a window is scored, then sends Ctrl-C (SIGINT)
# and expects a clean exit. The demo's behaviour itself is tested in examples/qoe-dashboard/test.
set -euo pipefail
log=$(mktemp)
setsid npm start >"$log" 2>&1 &
pid=$!
stop() { kill -INT -- "-$pid" 2>/dev/null || true; }
trap stop EXIT
url=
for _ in $(seq 1 120); do
  url=$(grep -o 'dashboard at http://[^ ]*' "$log" | head -1 | sed 's/dashboard at //') || true
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "npm start exited before printing its URL" >&2; exit 1; }
  sleep 1
done
[ -n "$url" ] || { cat "$log"; echo "npm start printed no URL in 120 s" >&2; exit 1; }
curl -fsS "$url" | grep -qi '<html' || { echo "the dashboard page did not answer at $url" >&2; exit 1; }
for _ in $(seq 1 60); do
  if curl -fsS "${url}metrics" | grep -q '^callmos_.*mos'; then ok=1; break; fi
  sleep 1
done
[ "${ok:-}" = 1 ] || { curl -sS "${url}metrics" | head -40; echo "no callmos MOS metric at ${url}metrics in 60 s" >&2; exit 1; }
echo "npm start: dashboard at $url, metrics scored"
trap - EXIT
kill -INT -- "-$pid"
for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid"; echo "npm start did not stop on Ctrl-C in 30 s" >&2; exit 1; fi
wait "$pid" && rc=0 || rc=$?
# npm passes the demo's own exit status on; a demo stopped by Ctrl-C exits 0 (130 when npm reports the signal)
[ "$rc" = 0 ] || [ "$rc" = 130 ] || { cat "$log"; echo "npm start exited $rc after Ctrl-C" >&2; exit 1; }
