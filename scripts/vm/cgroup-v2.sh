#!/usr/bin/env bash
# Runs test/cgroup-v2/in-vm-checks.mts in a virtual machine whose only cgroup hierarchy is v2, as
# on most Kubernetes nodes, for machines like this project's whose own cgroups are v1. The machine
# is Debian 12 with its own kernel, built with mmdebstrap and booted with QEMU; it reads this
# checkout and the directory of its Node read-only over 9p. It is emulated (QEMU's TCG) unless
# QEMU_ACCEL=kvm: here /dev/kvm makes virtual machines whose kernels hang at boot. So what it
# prints are not speeds; it checks behaviour.
# Usage: cgroup-v2.sh [--force]   (the disk in .cache/cgroup-v2-vm is kept until this script changes)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=$root/.cache/cgroup-v2-vm
sources=${DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$sources" ] || sources=/etc/apt/sources.list
accel=${QEMU_ACCEL:-tcg}

for command in qemu-system-x86_64 mmdebstrap mkfs.ext4; do
  command -v "$command" >/dev/null ||
    { echo "$0 needs $command (apt-get install qemu-system-x86 mmdebstrap)" >&2; exit 1; }
done
[ "$(uname -m)" = x86_64 ] || { echo "$0 runs on x86_64 only" >&2; exit 1; }
[ -f "$root/dist/bundle/main.js" ] || { echo "$root/dist/bundle/main.js is missing: run make build" >&2; exit 1; }
node_dir=$("$root/scripts/ensure-node.sh")

# The disk holds the guest's init written below: a change to this script makes a new one.
script_sum=$(sha256sum "$0" | cut -d' ' -f1)
built_by=$(cat "$cache/script.sha256" 2>/dev/null || true)
if [ "${1:-}" = "--force" ] || [ ! -f "$cache/disk.img" ] || [ "$built_by" != "$script_sum" ]; then
  echo "== building the virtual machine's disk (Debian bookworm, its kernel)"
  rm -rf "$cache" && mkdir -p "$cache"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mmdebstrap --quiet --variant=minbase --include=linux-image-amd64,kmod,iproute2 \
    bookworm "$work/root" "$sources" >"$work/mmdebstrap.log" 2>&1 || { cat "$work/mmdebstrap.log" >&2; exit 1; }
  cp "$work"/root/boot/vmlinuz-* "$cache/vmlinuz"
  cp "$work"/root/boot/initrd.img-* "$cache/initrd.img"
  # The guest's init: mounts, the checkout, the checks, and power off with their exit code logged.
  cat >"$work/root/init" <<'EOF'
#!/bin/bash
mount -t proc proc /proc
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
modprobe 9pnet_virtio
mkdir -p /repo /node
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro repo /repo
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro node /node
cd /repo && PATH=/node:$PATH node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON test/cgroup-v2/in-vm-checks.mts
echo "in-vm-checks exit $?"
echo 1 > /proc/sys/kernel/sysrq
echo o > /proc/sysrq-trigger
sleep 10
EOF
  chmod 0755 "$work/root/init"
  size_mib=$(( $(du -sm "$work/root" | cut -f1) + 256 ))
  truncate -s "${size_mib}M" "$cache/disk.img"
  mkfs.ext4 -q -d "$work/root" "$cache/disk.img"
  echo "$script_sum" >"$cache/script.sha256"
fi

echo "== booting it ($accel, 2 CPUs) and running test/cgroup-v2/in-vm-checks.mts"
log=$(mktemp)
# 15 minutes: emulated, the checks take about three.
timeout 900 qemu-system-x86_64 -accel "$accel" -cpu max -smp 2 -m 2048 -nographic -no-reboot -nic none \
  -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" -drive "file=$cache/disk.img,format=raw,if=virtio" \
  -virtfs "local,path=$root,mount_tag=repo,security_model=none,readonly=on" \
  -virtfs "local,path=$node_dir,mount_tag=node,security_model=none,readonly=on" \
  -append "root=/dev/vda rw console=ttyS0 quiet init=/init" \
  >"$log" 2>&1 || true
# The console echoes everything, escape sequences too; keep the checks' lines.
grep -aoE '(ok  |FAIL) - .*|[0-9]+ passed, [0-9]+ failed|in-vm-checks exit [0-9]+|Error: .*' "$log" | tr -d '\r' || true
if grep -aq 'in-vm-checks exit 0' "$log"; then rm -f "$log"; exit 0; fi
echo "the checks failed or did not finish; the console: $log" >&2
exit 1
