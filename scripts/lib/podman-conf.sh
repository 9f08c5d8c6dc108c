# Sourced by the scripts that run containers here (test-image.sh, chart-run.sh): writes a
# containers.conf into the directory given and exports CONTAINERS_CONF. This machine's podman needs
# runc (crun cannot run with cgroups in hybrid mode), and its default nofile ulimit is above the
# hard limit we are given.
podman_conf() {
  local hard
  hard=$(ulimit -Hn)
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' \
    "$hard" "$hard" > "$1/containers.conf"
  export CONTAINERS_CONF=$1/containers.conf
}
