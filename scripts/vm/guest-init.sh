#!/bin/bash
# What the virtual machine of scripts/vm/cgroup-v2.sh runs once its /init has mounted the checkout
# (/repo) and Node (/node): the kernel's command line names it (httpserver.run), then the machine
# powers off, the exit code logged on the console.
mount -t tmpfs tmpfs /tmp
run=$(sed -n 's/.*httpserver\.run=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
if [ "$run" = capacity-v1 ]; then
  # The v1 hierarchies this project's own machine has: memory and cpu, each mounted on its own.
  mount -t tmpfs cgroup /sys/fs/cgroup
  mkdir /sys/fs/cgroup/memory /sys/fs/cgroup/cpu
  mount -t cgroup -o memory memory /sys/fs/cgroup/memory
  mount -t cgroup -o cpu cpu /sys/fs/cgroup/cpu
else
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
fi
ip link set lo up
cd /repo
export PATH=/node:$PATH
case $run in
  capacity-*)
    mkdir -p /out
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /out
    steps=$(sed -n 's/.*httpserver\.steps=\([0-9,]*\).*/\1/p' /proc/cmdline)
    seconds=$(sed -n 's/.*httpserver\.seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
    # Emulated and held to 500m, the service takes tens of seconds to start.
    BENCH_START_TIMEOUT_S=180 node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON \
      bench/cgroup-capacity.mts "/out/$run.json" "$steps" "$seconds"
    ;;
  *) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON test/cgroup-v2/in-vm-checks.mts ;;
esac
echo "guest exit $?"
echo 1 > /proc/sys/kernel/sysrq
echo o > /proc/sysrq-trigger
sleep 10
