#!/bin/sh
# Build (once) the User-Mode Linux kernel the unit and netlink tests run on.
#
# The kernel comes from Debian's linux-source-6.1 and the fragment beside
# this script. The result is cached outside the checkout, keyed by the
# source package version and the fragment, so a second run costs nothing.
# Prints the build directory on stdout.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${DYNMEM_CACHE:-/var/cache/dynmem}
tarball=$(ls /usr/src/linux-source-6.1.tar.xz)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
cfghash=$(cat "$here/config.fragment" | sha256sum | cut -c1-12)
out="$cache/uml-$srcver-$cfghash"

mkdir -p "$cache"
# One build at a time: a second caller waits for the first and then finds
# the finished kernel.
exec 9>"$cache/uml.lock"
flock 9

if [ -x "$out/linux" ] && [ -f "$out/.dynmem-done" ]; then
	echo "$out"
	exit 0
fi

echo "building UML kernel $srcver ($cfghash) in $out" >&2
rm -rf "$out"
mkdir -p "$out"
tar -C "$out" --strip-components=1 -xJf "$tarball"
cd "$out"
make ARCH=um defconfig >/dev/null
ARCH=um scripts/kconfig/merge_config.sh -m .config "$here/config.fragment" >/dev/null
make ARCH=um olddefconfig >/dev/null
# Every requested option must have survived olddefconfig.
grep '^CONFIG_' "$here/config.fragment" | while read -r line; do
	grep -qx "$line" .config || { echo "UML config lost: $line" >&2; exit 1; }
done
make ARCH=um -j"$(nproc)" linux modules_prepare >build.log 2>&1 ||
	{ tail -40 build.log >&2; exit 1; }
# Out-of-tree modules resolve kernel symbols through Module.symvers; with
# no in-tree modules built it is exactly the kernel's own symbol list.
cp vmlinux.symvers Module.symvers
touch .dynmem-done
echo "$out"
