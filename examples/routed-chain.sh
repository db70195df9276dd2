# A routed chain: host a - router r - host b, each a vnet jail, joined by two
# epairs.  Shows forwarding, a traceroute-style TTL expiry at the router, and
# the router's statistics.  Run with:
#   node bin/virtnet.mjs run --pcap /tmp/chain examples/routed-chain.sh
# Lines "# expect: TEXT" name a line the run prints (see examples/README.md);
# every other ping must get all its replies.
for j in a r b; do jail -c name=$j persist vnet; done
ifconfig epair create >/dev/null     # epair0a (a) <-> epair0b (r)
ifconfig epair create >/dev/null     # epair1a (r) <-> epair1b (b)
ifconfig epair0a vnet a; ifconfig epair0b vnet r
ifconfig epair1a vnet r; ifconfig epair1b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec r ifconfig epair0b 10.0.0.254/24 up
jexec r ifconfig epair1a 10.0.1.254/24 up
jexec b ifconfig epair1b 10.0.1.2/24 up
jexec a route add default 10.0.0.254
jexec b route add default 10.0.1.254
jexec r sysctl net.inet.ip.forwarding=1

jexec a ping -c 2 10.0.1.2             # forwarded by r (fast path)
jexec a ping -c 1 -m 1 10.0.1.2        # TTL 1: r answers "Time to live exceeded"
echo "ping with TTL 1 exited $?"
# expect: 92 bytes from 10.0.0.254: Time to live exceeded
# expect: 1 packets transmitted, 0 packets received, 100.0% packet loss
# expect: ping with TTL 1 exited 2
# expect: 4 packets forwarded (4 packets fast forwarded)
jexec a route -n get 10.0.1.2
jexec r netstat -s -p ip
for j in a r b; do jail -r $j; done
