# Two vnet jails joined by an epair: each jail has its own stack, the epair
# is the wire between them.  Run with:  node bin/virtnet.mjs run examples/two-jails.sh
jail -c name=a persist vnet
jail -c name=b persist vnet
epair=$(ifconfig epair create)          # prints epair0a; its peer is epair0b
ifconfig ${epair} vnet a
ifconfig ${epair%a}b vnet b
jexec a ifconfig ${epair} 192.0.2.1/24 up
jexec b ifconfig ${epair%a}b 192.0.2.2/24 up
jexec a ping -c 3 192.0.2.2
# expect: 3 packets transmitted, 3 packets received, 0.0% packet loss
jexec b arp -an
jexec a ifconfig ${epair}
jail -r a
jail -r b
