#!/usr/bin/env bash
# The README's quick start on a fresh Debian 12 machine, for real.
#
#   sudo scripts/fresh-machine-check.sh
#
# Makes a minimal Debian 12 (bookworm) root with debootstrap, from the
# mirror this machine's apt uses (read from /etc/apt at run time), and gives
# it only what a fresh machine has: apt sources with their keyrings and
# settings, /etc/resolv.conf, the CA certificates of
# /usr/local/share/ca-certificates, git and ca-certificates. Clones the
# commit this script runs from into /root/gst-e2ee there and runs the
# README's two commands as root, exactly as written, in a clean
# environment: ./scripts/demo.sh, then ./scripts/test.sh. The root itself
# (bind-mounted, so that / is a mount point there as on a machine), /proc,
# /sys, /dev, /dev/pts and /dev/shm are mounted for them in a mount
# namespace of this script's own, and always unmounted, whatever happens.
#
# Prints one closing line with both results and exits non-zero unless the
# demo printed its VERIFIED line and wrote its PNG, and the tests ended with
# 0 failed and 0 skipped (on a fresh machine a skipped suite is a missing
# install step).
#
# The pristine root (debootstrap's output) is cached as a tarball in
# /var/cache/gst-e2ee; nothing the commands install is ever cached: each run
# starts from the tarball and downloads every package again.
#
# Environment:
#   E2EE_FRESH_CACHE  cache folder (default /var/cache/gst-e2ee)
#   E2EE_FRESH_LOGS   log folder (default ./build/fresh-machine-check)
#   E2EE_FRESH_KEEP=1 keep the root (unmounted) afterwards, for a look inside
set -euo pipefail

suite=bookworm
variant=minbase
include=git,ca-certificates
repo=$(cd "$(dirname "$0")/.." && pwd)
me=fresh-machine-check

if [ "$(id -u)" != 0 ]; then
  echo "$me: run as root (debootstrap, chroot and mounts need it)" >&2
  exit 2
fi

# Everything below runs in a private mount namespace: the mounts made for
# the root are invisible to the rest of the machine and go away with the
# namespace even if this script is killed before its trap runs.
if [ "${E2EE_FRESH_NAMESPACE:-}" != "$$" ]; then
  exec env E2EE_FRESH_NAMESPACE=$$ \
    unshare --mount --propagation private -- "$0" "$@"
fi

cache=${E2EE_FRESH_CACHE:-/var/cache/gst-e2ee}
logs=${E2EE_FRESH_LOGS:-$repo/build/$me}
commit=$(git -C "$repo" rev-parse HEAD)
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "$me: note: uncommitted changes are not checked; the root gets commit ${commit:0:12}"
fi
mkdir -p "$logs" "$cache"
rm -f "$logs"/*.log "$logs"/*.png "$logs"/testlog.txt
started=$SECONDS

# --- this machine's apt: source files, their keyrings, acquire settings ---

source_files=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && source_files+=("$f")
done
# "URI KEYRING" of each active deb source of $suite, one-line and deb822.
suite_sources () {
  local f
  for f in "${source_files[@]}"; do
    case "$f" in
      *.sources)
        awk -v suite="$suite" '
          function flush() {
            if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") &&
                enabled != "no")
              for (i = 1; i <= split(uris, u, " "); i++) print u[i], key
            types = uris = suites = key = enabled = ""
          }
          /^[ \t]*#/ { next }
          /^[ \t]*$/ { flush(); next }
          { field = tolower($1); sub(/^[^:]*:[ \t]*/, "") }
          field == "types:" { types = $0 }
          field == "uris:" { uris = $0 }
          field == "suites:" { suites = $0 }
          field == "signed-by:" { key = $0 }
          field == "enabled:" { enabled = tolower($0) }
          END { flush() }' "$f" ;;
      *)
        sed -n -E 's/^[ \t]*deb[ \t]+(\[([^]]*)\][ \t]+)?([^ \t]+)[ \t]+([^ \t]+).*/\4 \3 \2/p' "$f" |
          while read -r s uri opts; do
            [ "$s" = "$suite" ] || continue
            key=$(sed -n -E 's/.*signed-by=([^ ]+).*/\1/p' <<< "$opts")
            echo "$uri $key"
          done ;;
    esac
  done
}
read -r mirror mirror_keyring < <(suite_sources | head -1) || true
if [ -z "${mirror:-}" ]; then
  echo "$me: no active deb source for $suite in /etc/apt/sources.list*" >&2
  exit 2
fi
[ -f "${mirror_keyring:-}" ] ||
  mirror_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# Keyrings any active source names by path (Signed-By, signed-by=).
source_keyrings () {
  grep -h -o -i -E '(signed-by:[ \t]*|signed-by=)/[^] \t]+' "${source_files[@]}" |
    sed -E 's/^[^/]*//' | sort -u || true
}

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "$me: installing debootstrap"
  { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends debootstrap; } > "$logs/debootstrap-install.log" 2>&1
fi

# --- the pristine root, cached as a tarball ---

arch=$(dpkg --print-architecture)
key=$(printf '%s\n' "$suite" "$variant" "$include" "$arch" "$mirror" \
  "$(debootstrap --version)" | sha256sum | cut -c1-12)
tarball=$cache/debian-$suite-$variant-$arch-$key.tar.gz
work=$(realpath "$(mktemp -d /var/tmp/gst-e2ee-fresh.XXXXXX)")
root=$work/root

# Stamps each line with the seconds since the step began.
stamp () {
  local begin=$SECONDS line
  while IFS= read -r line; do
    printf '[%4ds] %s\n' $((SECONDS - begin)) "$line"
  done
}

# --- mounts, and their removal whatever happens ---

mounted=()
mount_in_root () {           # mount_in_root TARGET MOUNT-ARGS...
  local target=$root$1
  shift
  mount "$@" "$target"
  mounted=("$target" "${mounted[@]}")
}
mounts_left () {                   # anything mounted under $work
  awk -v w="$work/" 'index($5, w) == 1' /proc/self/mountinfo
}
cleanup () {
  local rc=$? pid target
  trap - EXIT INT TERM
  # Anything still running inside the root (a stray server, a browser).
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] &&
      kill -KILL "$pid" 2>/dev/null
  done
  for target in "${mounted[@]}"; do
    umount "$target" 2>/dev/null || umount --lazy "$target" || true
  done
  if [ -n "$(mounts_left)" ]; then
    echo "$me: still mounted under $work, not removing it:" >&2
    mounts_left >&2
    exit 1
  fi
  if [ "${E2EE_FRESH_KEEP:-0}" = 1 ]; then
    echo "$me: kept the root in $root"
  else
    rm -rf --one-file-system "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

begin=$SECONDS
(
  flock 9
  if [ ! -s "$tarball" ]; then
    echo "$me: debootstrap $suite ($variant, with $include) from $mirror"
    mkdir "$work/bootstrap"
    if ! debootstrap --variant="$variant" --include="$include" \
        --keyring="$mirror_keyring" "$suite" "$work/bootstrap" "$mirror" \
        2>&1 | stamp > "$logs/debootstrap.log"; then
      echo "$me: debootstrap failed; see $logs/debootstrap.log" >&2
      tail -5 "$logs/debootstrap.log" >&2
      exit 1
    fi
    # What debootstrap downloaded is not part of the pristine root.
    tar -C "$work/bootstrap" --exclude='./var/cache/apt/archives/*.deb' \
      --exclude='./var/lib/apt/lists/*_*' -c . | gzip > "$tarball.part"
    mv "$tarball.part" "$tarball"
    [ -z "$(mounts_left)" ] && rm -rf --one-file-system "$work/bootstrap"
  fi
) 9> "$cache/.lock"
bootstrap_s=$((SECONDS - begin))

# --- a fresh machine: the pristine root plus what such a machine has ---

begin=$SECONDS
mkdir "$root"
tar -C "$root" -xzf "$tarball"
extract_s=$((SECONDS - begin))

rm -f "$root/etc/apt/sources.list"
for f in "${source_files[@]}" $(source_keyrings) \
    /etc/apt/trusted.gpg /etc/apt/trusted.gpg.d/*; do
  [ -f "$f" ] && cp --parents -L "$f" "$root/"
done
# How this machine reaches its mirror (proxies, validity of snapshots).
for f in /etc/apt/apt.conf.d/*; do
  grep -q -E '^[ \t]*Acquire' "$f" 2>/dev/null && cp "$f" "$root/etc/apt/apt.conf.d/"
done
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
[ -s "$root/etc/hosts" ] ||
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
    > "$root/etc/hosts"
# A throwaway root does not need dpkg to fsync every file it unpacks.
echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/$me-unsafe-io"
if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
  cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi

# The root is a mount point of its own, as / is on a real machine: without
# it `unshare --mount` inside the root (the network-namespace runner of the
# WebRTC suites) cannot make / private and fails.
mount_in_root "" --bind "$root"
mount_in_root /proc -t proc proc
mount_in_root /sys -t sysfs sysfs
mount_in_root /dev --bind /dev
mount_in_root /dev/pts --bind /dev/pts
mount_in_root /dev/shm -t tmpfs -o mode=1777,nosuid,nodev tmpfs

# run_in_root LOG COMMAND: a login shell as root with a clean environment.
# In the background, so that a signal to this script is handled at once
# (the trap then stops what runs in the root).
run_in_root () {
  local log=$1
  shift
  rm -f "$work/rc"
  { chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root \
      SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
      /bin/bash -lc "$*" < /dev/null 2>&1
    echo $? > "$work/rc"; } | stamp > "$logs/$log" &
  wait $! || true
  return "$(cat "$work/rc" 2>/dev/null || echo 1)"
}
step () {                    # step NAME LOG COMMAND: stops the check on failure
  local name=$1 log=$2
  shift 2
  if ! run_in_root "$log" "$@"; then
    echo "$me: $name failed; see $logs/$log" >&2
    tail -20 "$logs/$log" >&2
    exit 1
  fi
}

step "update-ca-certificates" ca.log update-ca-certificates
git -C "$repo" bundle create "$root/root/gst-e2ee.bundle" HEAD 2> "$logs/bundle.log" ||
  { echo "$me: git bundle failed; see $logs/bundle.log" >&2; exit 1; }
step "git clone" clone.log \
  "git -c advice.detachedHead=false clone --quiet /root/gst-e2ee.bundle \
     /root/gst-e2ee && cd /root/gst-e2ee && git switch --quiet -c main &&
   [ \$(git rev-parse HEAD) = $commit ] && rm /root/gst-e2ee.bundle"
root_s=$((SECONDS - started))
echo "$me: fresh $suite root ready in ${root_s}s; running the README's commands (logs in $logs)"

# --- the README's two commands ---
# From here on a failure is a result to report, not a reason to stop.
set +e

last_line () { sed -E 's/^\[ *[0-9]+s\] //' "$1" | grep -v '^[[:space:]]*$' | tail -1 || true; }
at () {        # at LOG PATTERN: the second of a log's first line that matches
  grep -m1 -E "^\[ *[0-9]+s\] $2" "$1" | sed -E 's/^\[ *([0-9]+)s\].*/\1/' || true
}

begin=$SECONDS
demo_rc=0
run_in_root demo.log "cd /root/gst-e2ee && ./scripts/demo.sh" || demo_rc=$?
demo_s=$((SECONDS - begin))
png=/root/gst-e2ee/demo-output/e2ee-demo.png
png_size=$(stat -c %s "$root$png" 2>/dev/null || echo 0)
[ "$png_size" -gt 0 ] && cp "$root$png" "$logs/"
if [ $demo_rc = 0 ] && grep -q '\] VERIFIED:' "$logs/demo.log" &&
    [ "$(head -c 8 "$root$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
  demo_result="demo.sh PASSED (VERIFIED, ${png#/root/gst-e2ee/} $png_size bytes)"
else
  demo_result="demo.sh FAILED (exit $demo_rc: $(last_line "$logs/demo.log"))"
fi

begin=$SECONDS
tests_rc=0
run_in_root test.log "cd /root/gst-e2ee && ./scripts/test.sh" || tests_rc=$?
tests_s=$((SECONDS - begin))
cp "$root/root/gst-e2ee/build/meson-logs/testlog.txt" "$logs/" 2>/dev/null || true
summary=$(sed -E 's/^\[ *[0-9]+s\] //' "$logs/test.log" | grep -E '^tests: ' | tail -1 || true)
if [ $tests_rc = 0 ] && [[ "$summary" =~ ^tests:\ [0-9]+\ passed,\ 0\ failed,\ 0\ skipped$ ]]; then
  tests_result="test.sh PASSED ($summary)"
elif [ $tests_rc = 0 ] && [ -n "$summary" ]; then
  tests_result="test.sh FAILED ($summary: a skip on a fresh machine is a missing install step)"
else
  tests_result="test.sh FAILED (exit $tests_rc: $(last_line "$logs/test.log"))"
fi

# Where demo.sh's time went, from setup.sh's lines in its log.
apt_at=$(at "$logs/demo.log" 'setup: installing')
build_at=$(at "$logs/demo.log" 'setup: building')
built_at=$(at "$logs/demo.log" 'setup: built')
if [ -n "$apt_at" ] && [ -n "$build_at" ] && [ -n "$built_at" ]; then
  split=" (apt-get ${build_at}s, build $((built_at - build_at))s, demo $((demo_s - built_at))s)"
else
  split=""
fi
echo "$me: times: root ${root_s}s (debootstrap and tarball ${bootstrap_s}s, extract ${extract_s}s), demo.sh ${demo_s}s$split, test.sh ${tests_s}s, total $((SECONDS - started))s"

show_end () {      # show_end LOG: the end of a failed command's log
  echo "--- the end of $logs/$1"
  tail -n 15 "$logs/$1"
}
[[ "$demo_result" == *PASSED* ]] || show_end demo.log
[[ "$tests_result" == *PASSED* ]] || show_end test.log
echo "$me: $demo_result; $tests_result; fresh $suite root, commit ${commit:0:12}"
[ $demo_rc = 0 ] && [[ "$demo_result" == *PASSED* ]] && [[ "$tests_result" == *PASSED* ]]
