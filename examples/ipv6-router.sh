# Two IPv6 hosts on either side of a router jail.  The router advertises
# 2001:db8:1::/64 and 2001:db8:2::/64 with rtadvd; the hosts take their
# addresses and default routes from those advertisements (rtsol), then
# reach each other through it.
jail -c name=a persist vnet >/dev/null
jail -c name=r persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet b
jexec r sysctl net.inet6.ip6.forwarding=1
jexec r ifconfig epair0b inet6 2001:db8:1::1/64 up
jexec r ifconfig epair1a inet6 2001:db8:2::1/64 up
jexec r rtadvd epair0b epair1a &
for h in a b; do
  jexec $h sysctl net.inet6.ip6.accept_rtadv=1 >/dev/null
done
jexec a ifconfig epair0a inet6 -ifdisabled accept_rtadv up
jexec b ifconfig epair1b inet6 -ifdisabled accept_rtadv up
sleep 3
jexec a rtsol epair0a
jexec b rtsol epair1b
sleep 2                          # DAD of the new addresses
jexec a ifconfig epair0a inet6
jexec a netstat -rn -f inet6
jexec a ndp -r
B=$(jexec b ifconfig epair1b inet6 | awk '/2001:db8:2:/ {print $2}')
jexec a ping -6 -c 2 $B
jexec a ndp -an
jexec r killall rtadvd
wait
