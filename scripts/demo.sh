#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: see task local data work in a minute.
#
#   DEMO_SECONDS=10 bash scripts/demo.sh
#
# Builds the project, starts the demo app (demo-app/) on a free port with a pin of its own, sends
# DEMO_SECONDS of load from three tenants (gold, silver, bronze: gold gets 3x the CPU work of
# bronze at the same request rate, plus waits and a shared lock), then prints what BPF charged
# each tenant (/actuator/tasklocaldata and the tld.* meters) next to what each was sent, and draws
# it to demo-out/tenants.svg. The app is stopped and its pin removed on every exit.
#
# Environment:
#   DEMO_SECONDS   length of the load (default 30)
#   DEMO_BUILD     1 (default): mvn install first; 0: use demo-app/target/tld-demo-app-*.jar as is
#   DEMO_OUT       output folder (default demo-out/): tenants.svg, summary.txt, app.log, app.pid
#   DEMO_PIN_PATH  where the app pins its data map (default /sys/fs/bpf/tld-demo/tld_data_map)
#   JAVA           the java command (default java)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${DEMO_SECONDS:-30}
out=${DEMO_OUT:-$root/demo-out}
pin=${DEMO_PIN_PATH:-/sys/fs/bpf/tld-demo/tld_data_map}
java=${JAVA:-java}

if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
	echo "demo: DEMO_SECONDS must be a whole number of seconds >= 1, got '$seconds'" >&2
	exit 2
fi
case $pin in
/sys/fs/bpf/?*/?*) ;;
*)
	echo "demo: DEMO_PIN_PATH must be a file in a folder of /sys/fs/bpf (removed afterwards), got '$pin'" >&2
	exit 2
	;;
esac

if [ "${DEMO_BUILD:-1}" != 0 ]; then
	echo "demo: building (mvn -B -ntp -q -DskipTests install)"
	mvn -B -ntp -q -DskipTests install
fi
shopt -s nullglob
jars=(demo-app/target/tld-demo-app-*.jar)
shopt -u nullglob
if [ ${#jars[@]} -ne 1 ]; then
	echo "demo: expected one demo-app/target/tld-demo-app-*.jar, found ${#jars[@]}: build with 'mvn -DskipTests install'" >&2
	exit 1
fi
jar=${jars[0]}

mkdir -p "$out"
rm -f "$out/app.port" "$out/app.pid"
app_pid=

# Removes the pin and, if then empty, its folder: the demo's own, never shared.
unpin() {
	rm -f "$pin"
	rmdir "$(dirname "$pin")" 2>/dev/null || true
}

stop_app() {
	local status=$?
	trap - EXIT INT TERM
	if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
		# SIGTERM: Spring closes the context, which detaches the BPF programs.
		kill "$app_pid" 2>/dev/null || true
		for _ in $(seq 150); do
			kill -0 "$app_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$app_pid" 2>/dev/null; then
			echo "demo: the app did not stop in 15 s; killing it" >&2
			kill -KILL "$app_pid" 2>/dev/null || true
		fi
		wait "$app_pid" 2>/dev/null || true
		echo "demo: stopped the app (pid $app_pid)"
	fi
	unpin
	exit "$status"
}
trap stop_app EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A pin left by a demo that was killed hard would be reused: start from a fresh map.
unpin

# Port 0: the server takes a free port and writes it to app.port once it listens.
"$java" -jar "$jar" --server.port=0 --demo.port-file="$out/app.port" --tld.pin-path="$pin" \
	>"$out/app.log" 2>&1 &
app_pid=$!
echo "$app_pid" >"$out/app.pid"
echo "demo: started the app (pid $app_pid, log $out/app.log)"

for _ in $(seq 120); do
	[ -s "$out/app.port" ] && break
	if ! kill -0 "$app_pid" 2>/dev/null; then
		echo "demo: the app exited during startup; the end of its log:" >&2
		tail -n 30 "$out/app.log" >&2
		exit 1
	fi
	sleep 0.5
done
if [ ! -s "$out/app.port" ]; then
	echo "demo: the app did not start listening within 60 s; the end of its log:" >&2
	tail -n 30 "$out/app.log" >&2
	exit 1
fi
port=$(cat "$out/app.port")
echo "demo: the app listens on http://localhost:$port; the load driver waits for /actuator/health"

# The load driver comes from the same jar (its launcher runs any main class given as loader.main).
status=0
"$java" -Dloader.main=dev.tld.demo.LoadDriver -jar "$jar" --url="http://localhost:$port" \
	--seconds="$seconds" --svg="$out/tenants.svg" --summary="$out/summary.txt" || status=$?
exit "$status"
