#!/usr/bin/env bash
# The greeting example end to end, secure by default: a development CA and
# certificates are made on the fly, then name server, server and client all
# talk 2-way TLS. Nothing needs to be set up beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
work=$(mktemp -d /tmp/flint-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building"
go build -o "$work/bin/" ./cmd/flint ./examples/greeting/server ./examples/greeting/client

echo "== making a development CA and certificates (flint certs init)"
"$work/bin/flint" certs init "$work/pki"

wait_for() { # file pattern
	for _ in $(seq 1 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1"; cat "$1"; exit 1
}

server_env=(FLINT_TLS_CERT="$work/pki/server.pem" FLINT_TLS_KEY="$work/pki/server-key.pem" FLINT_TLS_CA="$work/pki/ca.pem")
client_env=(FLINT_TLS_CERT="$work/pki/client.pem" FLINT_TLS_KEY="$work/pki/client-key.pem" FLINT_TLS_CA="$work/pki/ca.pem")

ns_uri=""
if "$work/bin/flint" ns --help >/dev/null 2>&1; then
	echo "== starting the name server (flint ns, mTLS)"
	env "${server_env[@]}" "$work/bin/flint" ns -n 127.0.0.1 -p 0 -x >"$work/ns.log" 2>&1 &
	pids+=($!)
	wait_for "$work/ns.log" "NS running on"
	ns_port=$(sed -n 's/.*NS running on [^ ]*:\([0-9]*\).*/\1/p' "$work/ns.log" | head -1)
	export FLINT_NS_HOST=127.0.0.1 FLINT_NS_PORT="$ns_port"
	cat "$work/ns.log"
	ns_uri=yes
fi

echo "== starting the greeting server (mTLS)"
if [ -n "$ns_uri" ]; then
	env "${server_env[@]}" "$work/bin/server" --ns >"$work/server.log" 2>&1 &
else
	env "${server_env[@]}" "$work/bin/server" >"$work/server.log" 2>&1 &
fi
server_pid=$!
pids+=($server_pid)
wait_for "$work/server.log" "Ready. Object uri = "
cat "$work/server.log"
uri=$(sed -n 's/^Ready. Object uri = //p' "$work/server.log")

echo "== calling it with the client (mTLS, client certificate)"
env "${client_env[@]}" "$work/bin/client" "$uri" "Alice"
if [ -n "$ns_uri" ]; then
	echo "== the same through the name server: PYRONAME:example.greeting"
	env "${client_env[@]}" "$work/bin/client" PYRONAME:example.greeting "Bob"
fi

echo "== a plaintext client without a certificate is refused by the daemon"
if env -u FLINT_TLS_CERT -u FLINT_TLS_KEY -u FLINT_TLS_CA FLINT_INSECURE=1 "$work/bin/client" "$uri" "Mallory" 2>"$work/refused.log"; then
	echo "unexpected: plaintext client got through"; exit 1
fi
sed 's/^/   /' "$work/refused.log"

echo "== shutting down"
kill -TERM "$server_pid"
wait "$server_pid"
echo "server exited cleanly"
