# net_lib.sh - shared by the network tests (sourced).
# net_sockets_on PORT: the TCP sockets (IPv4 and IPv6) listening or
# connected with PORT at either end, one "local remote state" per line;
# TIME_WAIT and other closing states are not ours to hold and not listed.
net_sockets_on() {
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$hex" '
		NR > 0 && $4 != "st" {
			n = split($2, l, ":"); m = split($3, r, ":")
			if ((l[n] == p || r[m] == p) && ($4 == "0A" || $4 == "01"))
				print $2, $3, ($4 == "0A" ? "LISTEN" : "ESTABLISHED")
		}'
}

# net_free_port: a port nothing uses right now (bound to 0, then released).
net_free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
