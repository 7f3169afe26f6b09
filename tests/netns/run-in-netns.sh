#!/usr/bin/env bash
# Runs one command inside a network namespace of its own, so that WebRTC
# tests (ICE through libnice and Chromium, DTLS, SFUs) can use a real
# interface address while no packet can leave the machine.
#
#   tests/netns/run-in-netns.sh [--timeout SECONDS] [--name NAME] -- COMMAND [ARGS...]
#
# The namespace is new for each run and holds only:
#   - lo, up (127.0.0.1/8);
#   - a veth pair whose both ends live in this namespace: e2ee0 with
#     $E2EE_NETNS_ADDRESS (10.200.0.1/24), and e2ee1 without an address.
# There is no default route, no other interface and IPv6 is off. A packet
# for any address but these two goes nowhere: e2ee1 has no address and
# forwards nothing, and the namespace has no link to the host's network.
# libnice and Chromium ignore loopback interfaces, so they gather e2ee0's
# address, and every peer of the test reaches every other one through it
# (the kernel delivers traffic to a local address over lo).
#
# It also starts a PID namespace: when COMMAND ends (or is killed at the
# timeout), every process it started (browsers, Janus, GStreamer peers) is
# killed by the kernel, so nothing outlives the test.
#
# COMMAND sees, in its environment:
#   E2EE_NETNS=1, E2EE_NETNS_NAME=NAME
#   E2EE_NETNS_ADDRESS=10.200.0.1   the address ICE will use
#   E2EE_NETNS_ALLOWED="10.200.0.1 127.0.0.1"  every address a packet may go to
# Tests check each ICE candidate they see against E2EE_NETNS_ALLOWED.
#
# Needs root (or unprivileged user namespaces) and iproute2's `ip`. Exit
# status: COMMAND's; 77 (meson's "skipped") when a namespace cannot be made,
# with the reason on stderr; 124 when the timeout struck (timeout(1)).
set -euo pipefail

timeout_s=300
name=netns
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout_s="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: $0 [--timeout SECONDS] [--name NAME] -- COMMAND [ARGS...]" >&2
  exit 2
fi

address=10.200.0.1
prefix=24

# Inside the namespaces: set up the links, show them, then run the command.
if [ "${E2EE_NETNS_INNER:-}" = 1 ]; then
  unset E2EE_NETNS_INNER
  fail() { echo "SKIP: run-in-netns: $*" >&2; exit 77; }
  sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
  ip link set lo up || fail "cannot bring lo up in the new namespace"
  ip link add e2ee0 type veth peer name e2ee1 ||
    fail "cannot create a veth pair (kernel without veth?)"
  ip addr add "$address/$prefix" dev e2ee0 || fail "cannot add $address"
  ip link set e2ee0 up && ip link set e2ee1 up || fail "cannot set veth up"
  if ip route show default | grep -q .; then
    fail "the new namespace has a default route; refusing to run"
  fi
  echo "netns[$name]: interfaces:" \
    "$(ip -o -4 addr show | awk '{printf "%s %s; ", $2, $4}')" \
    "routes: $(ip -o route show | tr '\n' ';')" >&2
  export E2EE_NETNS=1 E2EE_NETNS_NAME="$name" E2EE_NETNS_ADDRESS="$address"
  export E2EE_NETNS_ALLOWED="$address 127.0.0.1"
  exec "$@"
fi

if ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
  echo "SKIP: run-in-netns: needs iproute2 (ip) and util-linux (unshare)" >&2
  exit 77
fi

ns_args=(--net --pid --fork --mount --mount-proc --kill-child)
if [ "$(id -u)" != 0 ]; then
  ns_args=(--user --map-root-user "${ns_args[@]}")
fi
if ! why=$(unshare "${ns_args[@]}" true 2>&1); then
  # A chroot whose / is not a mount point says "cannot change root
  # filesystem propagation".
  echo "SKIP: run-in-netns: cannot create network namespaces here" \
    "(needs root, or unprivileged user namespaces, and / a mount point): $why" >&2
  exit 77
fi

self="$(cd "${0%/*}" && pwd)/${0##*/}"
# timeout(1) sends TERM, then KILL 10 s later; --kill-child takes the
# namespace's init, and with it every process in it, down with unshare.
exec timeout --kill-after=10 "$timeout_s" \
  env E2EE_NETNS_INNER=1 unshare "${ns_args[@]}" \
  "$self" --name "$name" -- "$@"
