#!/usr/bin/env bash
# Runs test/cgroup-v2/in-vm-checks.mts in a virtual machine whose only cgroup hierarchy is v2, as
# on most Kubernetes nodes, for machines like this project's whose own cgroups are v1. The machine
# is Debian 12 with its own kernel, built with mmdebstrap and booted with QEMU; it reads this
# checkout and the directory of its Node read-only over 9p, and runs scripts/vm/guest-init.sh from
# it. It is emulated (QEMU's TCG) unless QEMU_ACCEL=kvm: this project's machines have either no
# /dev/kvm (no vmx or svm in /proc/cpuinfo) or one whose virtual machines' kernels hang at boot. So
# what the checks print are not speeds; they check behaviour.
# With --capacity it measures instead: one pod's capacity ladder (bench/cgroup-capacity.mts) in
# boots with cgroup v1 and with v2 in turn, the same emulated machine for both, so that only their
# ratio means anything; bench/cgroup-versions.mts prints them side by side.
# Usage: cgroup-v2.sh [--force] [--capacity]
#   (the disk in .cache/cgroup-v2-vm is kept until its packages or its /init below change)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=$root/.cache/cgroup-v2-vm
sources=${DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$sources" ] || sources=/etc/apt/sources.list
accel=${QEMU_ACCEL:-tcg}
force=false
capacity=false
for arg in "$@"; do
  case $arg in
    --force) force=true ;;
    --capacity) capacity=true ;;
    *) echo "usage: $0 [--force] [--capacity]" >&2; exit 2 ;;
  esac
done

for command in qemu-system-x86_64 mmdebstrap mkfs.ext4; do
  command -v "$command" >/dev/null ||
    { echo "$0 needs $command (apt-get install qemu-system-x86 mmdebstrap)" >&2; exit 1; }
done
[ "$(uname -m)" = x86_64 ] || { echo "$0 runs on x86_64 only" >&2; exit 1; }
[ -f "$root/dist/bundle/main.js" ] || { echo "$root/dist/bundle/main.js is missing: run make build" >&2; exit 1; }
node_dir=$("$root/scripts/ensure-node.sh")

packages=linux-image-amd64,kmod,iproute2,wrk
# The disk's /init: the checkout and Node over 9p, then the checkout's guest-init.sh, so that a
# change to what the guest does needs no new disk.
init='#!/bin/bash
mount -t proc proc /proc
modprobe 9pnet_virtio
mkdir -p /repo /node
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro repo /repo
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro node /node
exec /repo/scripts/vm/guest-init.sh'
disk_sum=$(printf '%s\n%s\n' "$packages" "$init" | sha256sum | cut -d' ' -f1)
built_by=$(cat "$cache/disk.sha256" 2>/dev/null || true)
if $force || [ ! -f "$cache/disk.img" ] || [ "$built_by" != "$disk_sum" ]; then
  echo "== building the virtual machine's disk (Debian bookworm, its kernel)"
  rm -rf "$cache" && mkdir -p "$cache"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    bookworm "$work/root" "$sources" >"$work/mmdebstrap.log" 2>&1 || { cat "$work/mmdebstrap.log" >&2; exit 1; }
  cp "$work"/root/boot/vmlinuz-* "$cache/vmlinuz"
  cp "$work"/root/boot/initrd.img-* "$cache/initrd.img"
  printf '%s\n' "$init" >"$work/root/init"
  chmod 0755 "$work/root/init"
  size_mib=$(( $(du -sm "$work/root" | cut -f1) + 256 ))
  truncate -s "${size_mib}M" "$cache/disk.img"
  mkfs.ext4 -q -d "$work/root" "$cache/disk.img"
  echo "$disk_sum" >"$cache/disk.sha256"
fi

# boot <log> <kernel arguments> [qemu arguments]: the machine, until it powers off (or 15 minutes).
boot() {
  local log=$1 args=$2
  shift 2
  timeout 900 qemu-system-x86_64 -accel "$accel" -cpu max -smp 2 -m 2048 -nographic -no-reboot -nic none \
    -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" -drive "file=$cache/disk.img,format=raw,if=virtio" \
    -virtfs "local,path=$root,mount_tag=repo,security_model=none,readonly=on" \
    -virtfs "local,path=$node_dir,mount_tag=node,security_model=none,readonly=on" \
    "$@" -append "root=/dev/vda rw console=ttyS0 quiet init=/init $args" \
    >"$log" 2>&1 || true
}

if $capacity; then
  # Emulated, a pod holds about a twentieth of what it holds on the host: 20 connections it keeps
  # up with, 80 it cannot, where the quota sets its rate. Eight boots, since two boots of one
  # version differ by up to half there.
  steps=${CAPACITY_STEPS:-20,80}
  seconds=${CAPACITY_SECONDS:-20}
  boots=${CAPACITY_BOOTS:-8}
  # More for the guest's kernel, e.g. cgroup.memory=nosocket (v2 then charges no socket buffers).
  export CAPACITY_KERNEL_ARGS=${CAPACITY_KERNEL_ARGS:-}
  out=$(mktemp -d)
  files=()
  for i in $(seq 1 "$boots"); do
    # v1, v2, v2, v1, v1, v2, ...: neither version always boots first.
    version=$(( (i + (i - 1) / 2) % 2 == 1 ? 1 : 2 ))
    echo "== boot $i of $boots ($accel, 2 CPUs): capacity in cgroup v$version, steps $steps, $seconds s each"
    log=$(mktemp)
    boot "$log" "httpserver.run=capacity-v$version httpserver.steps=$steps httpserver.seconds=$seconds $CAPACITY_KERNEL_ARGS" \
      -virtfs "local,path=$out,mount_tag=out,security_model=none"
    grep -aoE '^(capacity|  \(c\)).*|Error: .*' "$log" | tr -d '\r' || true
    if [ ! -f "$out/capacity-v$version.json" ]; then
      echo "boot $i wrote no result; the console: $log" >&2
      exit 1
    fi
    mv "$out/capacity-v$version.json" "$out/boot-$i.json"
    files+=("$out/boot-$i.json")
    rm -f "$log"
  done
  "$root/scripts/with-node.sh" node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON \
    "$root/bench/cgroup-versions.mts" "${files[@]}"
  rm -rf "$out"
  exit 0
fi

echo "== booting it ($accel, 2 CPUs) and running test/cgroup-v2/in-vm-checks.mts"
log=$(mktemp)
# 15 minutes: emulated, the checks take about three.
boot "$log" ""
# The console echoes everything, escape sequences too; keep the checks' lines.
grep -aoE '(ok  |FAIL) - .*|[0-9]+ passed, [0-9]+ failed|guest exit [0-9]+|Error: .*' "$log" | tr -d '\r' || true
if grep -aq 'guest exit 0' "$log"; then rm -f "$log"; exit 0; fi
echo "the checks failed or did not finish; the console: $log" >&2
exit 1
