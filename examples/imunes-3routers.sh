# An IMUNES topology (examples/imunes-3routers.json, with its .imn twin
# examples/imunes-3routers.imn): 3 routers with static routes, 4 PCs, a
# lanswitch and a hub; link delays of 1-10 ms, and router2-router3 is a
# 10 Mbit/s link with a bit error rate of 1 in 100,000.  `imunes -b` builds
# it as IMUNES does on FreeBSD: a vnet jail per node, ng_eiface interfaces,
# ng_bridge and ng_hub, an ng_pipe for every link.
imunes -b -e i3r examples/imunes-3routers.json || exit 1
# expect: Experiment ID = i3r

# Every PC pings every other.  A frame can be lost on the lossy link, so a
# pair gets up to three tries, as a user at a terminal would.
addr() {
	case $1 in
	pc1) echo 10.0.1.10 ;;
	pc2) echo 10.0.1.11 ;;
	pc3) echo 10.0.2.10 ;;
	pc4) echo 10.0.3.10 ;;
	esac
}
n=0
ok=0
for a in pc1 pc2 pc3 pc4; do
	for b in pc1 pc2 pc3 pc4; do
		[ $a = $b ] && continue
		n=$((n + 1))
		for try in 1 2 3; do
			if himage $a ping -c 1 -q $(addr $b) >/dev/null; then
				ok=$((ok + 1))
				break
			fi
		done
	done
done
echo "$ok of $n pairs answered"
# expect: 12 of 12 pairs answered

# pc1 to pc3 crosses router1 and router2: 1 + 10 + 2 ms each way, so the
# round trip is 26 ms, and a little more: each ng_pipe sends on the ticks of
# the (virtual) clock.
himage pc1 ping -c 3 10.0.2.10

# The link's parameters as vlink shows them, then a longer delay at run time.
vlink -s router2:router3
# expect: router2:router3@i3r:
# expect: bandwidth 10Mbps
# expect: delay 5ms
# expect: BER 100000
vlink -d 30ms router2:router3
vlink -s router2:router3@i3r
# expect: router2:router3@i3r:
# expect: bandwidth 10Mbps
# expect: delay 30ms
# expect: BER 100000
imunes -b -e i3r
# expect: Terminated experiment ID = i3r
