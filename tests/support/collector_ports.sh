# Reading the ports a `clt collector` started on port 0 bound, from its
# start-up line in its log:
#   clt collector: listening: ioam=127.0.0.1:41234 ... query=127.0.0.1:41237
# Source it, then:
#   wait_collector_listening LOG SECONDS || fail ...
#   port=$(collector_port LOG query)   # the first of that receiver's TCP ports

wait_collector_listening() {
  local log=$1 deadline=$((SECONDS + $2))
  until grep -q '^clt collector: listening:' "$log" 2>/dev/null; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

collector_port() {
  sed -n "s/^clt collector: listening:.* $2=[^ ]*:\([0-9]*\)\( .*\)\{0,1\}$/\1/p" "$1"
}
