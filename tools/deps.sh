#!/bin/sh
# Install the Debian packages that building and testing dynmem needs, when
# they are missing. Needs root (or nothing to install). gnuplot-nox (its
# svg and pngcairo terminals) and a font draw the demo's plot, which the
# tools' tests check too.
set -eu

pkgs="make gcc bc flex bison libelf-dev libssl-dev sparse pkg-config
	linux-headers-amd64 linux-source-6.1 libnl-3-dev libnl-genl-3-dev
	busybox-static python3 python3-yaml jq util-linux kmod cpio
	qemu-system-x86 linux-image-amd64 gnuplot-nox fonts-dejavu-core"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
