# A chain of five vnet jails (n1 - n2 - n3 - n4 - n5) built from a table in
# a here-document: what a how-to or a test script does with the shell.  It
# uses functions, ${var%pattern}, $(( )), a `while read` loop, a trap that
# cleans up, and host programs (grep, awk) in pipelines with the simulated
# ones.  Run with:
#   node bin/virtnet.mjs run examples/chain-from-table.sh
# Lines "# expect: TEXT" name a line the run prints (see examples/README.md).

trap 'for j in n1 n2 n3 n4 n5; do jail -r $j; done; echo "cleaned up"' EXIT
# expect: cleaned up

mkjail() {
	jail -c name=$1 persist vnet >/dev/null
	jexec $1 sysctl net.inet.ip.forwarding=1 >/dev/null
}

# link LEFT RIGHT NET: an epair between two jails, LEFT gets .1, RIGHT .2
link() {
	local ep
	ep=$(ifconfig epair create)             # epairNa; its peer is epairNb
	ifconfig $ep vnet $1
	ifconfig ${ep%a}b vnet $2
	jexec $1 ifconfig $ep 10.0.$3.1/24 up
	jexec $2 ifconfig ${ep%a}b 10.0.$3.2/24 up
}

for n in 1 2 3 4 5; do mkjail n$n; done
while read left right net; do
	link $left $right $net
done <<EOF
n1 n2 1
n2 n3 2
n3 n4 3
n4 n5 4
EOF

# Routes: node k reaches net m (not its own) through its left neighbour
# when m lies to the left, else through its right one.
for k in 1 2 3 4 5; do
	for m in 1 2 3 4; do
		if [ $m -lt $((k - 1)) ]; then
			jexec n$k route -q add -net 10.0.$m.0/24 10.0.$((k - 1)).1
		elif [ $m -gt $k ]; then
			jexec n$k route -q add -net 10.0.$m.0/24 10.0.$k.2
		fi
	done
done

jexec n1 ping -c 3 10.0.4.2 | grep -c 'bytes from'
# expect: 3
jexec n1 ping -c 1 10.0.4.2 | awk '/bytes from/ { print "ttl after 3 routers:", $6 }'
# expect: ttl after 3 routers: ttl=61

for n in 2 3 4; do
	printf 'n%s forwarded %s\n' $n "$(jexec n$n netstat -s -p ip | awk '/packets forwarded/ { print $1 }')"
done
# expect: n2 forwarded 8
# expect: n3 forwarded 8
# expect: n4 forwarded 8
