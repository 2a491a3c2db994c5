#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the test bed needs, if any is missing.
set -eu

pkgs="qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static
cpio kmod gcc libc6-dev make coreutils util-linux xz-utils"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "testbed: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "testbed: run as root or install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
