#!/usr/bin/env bash
# A Debian 12 (bookworm) base image made on this machine, for building the Containerfile without the CUDA base:
#
#   sudo scripts/debian-base.sh            # prints the image reference, name@sha256:digest, on its last line
#   podman build --build-arg BASE_IMAGE=<that reference> --build-arg BASE_DIGEST=<its sha256:...> ...
#
# debootstrap's minimal variant from deb.debian.org, imported with `podman import` as localhost/repro-debian:12.
# Debian 12's archive has Python 3.11, so the Containerfile needs no PPA there. An existing image is reused
# (REBUILD=1 makes it again). Needs root; installs Debian's debootstrap, podman and runc if they are missing.
set -euo pipefail

if ! command -v debootstrap >/dev/null || ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap podman runc uidmap >&2
fi

IMAGE=${IMAGE:-localhost/repro-debian:12}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

if [ "${REBUILD:-0}" = 1 ] || ! podman image exists "$IMAGE"; then
  rootfs=$(mktemp -d /var/tmp/repro-debian.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >&2
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$IMAGE" >&2
fi
echo "$IMAGE@$(podman image inspect --format '{{.Digest}}' "$IMAGE")"
