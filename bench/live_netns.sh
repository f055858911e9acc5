# Sourced by the live agent benchmarks (root): two namespaces $tx and $rx
# joined by a veth pair (tx0 fd00:99::1 - rx0 fd00:99::2), the receiving
# side's kernel filling IOAM (node 3, interface 31, namespace 123) and
# emitting trace events; static neighbours. The caller sets tx, rx, tmp (a
# scratch directory) and pids (the processes it starts); live_netns_cleanup,
# trapped on exit, kills those and removes the namespaces and tmp.
live_netns_cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true  # no "Killed" notice from the shell
  done
  ip netns del "$tx" 2>/dev/null || true
  ip netns del "$rx" 2>/dev/null || true
  rm -rf "$tmp"
}

live_netns_up() {
  ip netns add "$tx"
  ip netns add "$rx"
  ip -n "$tx" link add tx0 type veth peer name rx0 netns "$rx"
  ip -n "$tx" addr add fd00:99::1/64 dev tx0 nodad
  ip -n "$rx" addr add fd00:99::2/64 dev rx0 nodad
  ip -n "$tx" link set tx0 up
  ip -n "$rx" link set rx0 up
  ip -n "$tx" link set lo up
  ip -n "$rx" link set lo up
  ip netns exec "$rx" sysctl -qw net.ipv6.ioam6_id=3 net.ipv6.conf.rx0.ioam6_enabled=1 \
    net.ipv6.conf.rx0.ioam6_id=31
  ip -n "$rx" ioam namespace add 123 data 0xa0000003
  # Static neighbours: address resolution must not eat the first packets of a run.
  ip -n "$tx" neigh replace fd00:99::2 lladdr "$(ip netns exec "$rx" cat /sys/class/net/rx0/address)" \
    dev tx0 nud permanent
  ip -n "$rx" neigh replace fd00:99::1 lladdr "$(ip netns exec "$tx" cat /sys/class/net/tx0/address)" \
    dev rx0 nud permanent
  # Replies to the unbound UDP port are not part of the measurement.
  ip netns exec "$rx" sysctl -qw net.ipv6.icmp.ratelimit=1000000 2>/dev/null || true
  sleep 0.5
}

# Packets lost in the kernel before any capture sees them (veth / backlog).
link_drops() {
  local tx_d rx_d backlog
  tx_d=$(ip netns exec "$tx" cat /sys/class/net/tx0/statistics/tx_dropped)
  rx_d=$(ip netns exec "$rx" cat /sys/class/net/rx0/statistics/rx_dropped)
  backlog=0
  while read -r _ dropped _; do backlog=$((backlog + 16#$dropped)); done </proc/net/softnet_stat
  echo $((tx_d + rx_d + backlog))
}
