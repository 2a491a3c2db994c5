#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the test bed images from Debian packages and print the
# directory that holds them:
#
#   vmlinuz     the kernel of the L1 host (and of the L2 guests)
#   l1.cpio     the L1 initramfs: busybox, KVM, vhost_vsock and 9p modules,
#               QEMU with its libraries and firmware, tbguest, tbvsock, and
#               the L2 kernel and initramfs under /usr/share/testbed
#   kver        the kernel version
#
# The L2 initramfs (l2.cpio, inside l1.cpio) holds busybox, tbvsock, the
# virtio, vsock, virtio-balloon and virtio-mem modules and the C library;
# tbguest appends dynmem_guest.ko and the guest files to it at guest start.
#
# Nothing of the project's modules or tools is in the images: they reach
# L1 at run time through a read-only 9p share. The cache key is the kernel
# version, the versions of the packages copied in, and the contents of the
# harness files that shape the images, so a module change never rebuilds
# them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${DYNMEM_CACHE:-/var/cache/dynmem}

# The newest Debian amd64 kernel that has its modules installed.
kver=${DYNMEM_TESTBED_KVER:-}
if [ -z "$kver" ]; then
	for k in $(ls /boot | sed -n 's/^vmlinuz-\(.*-amd64\)$/\1/p' | sort -V); do
		[ -d "/lib/modules/$k/kernel" ] && kver=$k
	done
fi
if [ -z "$kver" ] || [ ! -r "/boot/vmlinuz-$kver" ]; then
	echo "testbed: no Debian amd64 kernel in /boot (install linux-image-amd64)" >&2
	exit 1
fi

pkgver() {
	dpkg-query -W -f='${Package}=${Version} ' "$@" 2>/dev/null || true
}

shaping="images.sh l1-init l2-init tbguest tbvsock.c"
key=$( {
	echo "$kver"
	pkgver "linux-image-$kver" qemu-system-x86 qemu-system-data \
		seabios busybox-static libc6
	(cd "$here" && cat $shaping)
} | sha256sum | cut -c1-12)
out=$cache/testbed-$kver-$key

if [ -f "$out/.dynmem-done" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/testbed.lock"
flock 9
if [ -f "$out/.dynmem-done" ]; then
	echo "$out"
	exit 0
fi

echo "testbed: building images for $kver in $out" >&2
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# A merged-/usr root with busybox.
skeleton() {
	local root=$1 d

	mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,tmp,run,mnt,extra,etc,root}
	for d in bin sbin lib lib64; do
		ln -s "usr/$d" "$root/$d"
	done
	cp /bin/busybox "$root/usr/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$root/usr/bin/$a" ] || ln -s busybox "$root/usr/bin/$a"
	done
}

# Copy an executable with every library it links, at their usual paths.
with_libs() {
	local root=$1 bin=$2 lib

	mkdir -p "$root$(dirname "$bin")"
	cp -L "$bin" "$root$bin"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
	done
}

# Copy the modules and their dependencies; write the load order.
modules() {
	local root=$1 list=$2 m path
	shift 2

	mkdir -p "$(dirname "$list")"
	for m in "$@"; do
		modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' >"$list.tmp"
	while read -r path; do
		mkdir -p "$root$(dirname "$path")"
		cp "$path" "$root$path"
	done <"$list.tmp"
	mv "$list.tmp" "$list"
}

mkcpio() {
	(cd "$1" && find . | sort | cpio --quiet -o -H newc -R 0:0) >"$2"
}

gcc -static -O2 -Wall -o "$tmp/tbvsock" "$here/tbvsock.c"

# L2: small, since every guest holds a copy in its RAM.
l2=$tmp/l2root
skeleton "$l2"
modules "$l2" "$l2/etc/testbed/modules" virtio_pci vmw_vsock_virtio_transport \
	virtio_balloon virtio_mem
for lib in $(ldd /bin/true | grep -o '/[^ ]*') /lib/x86_64-linux-gnu/libm.so.6; do
	mkdir -p "$l2$(dirname "$lib")"
	cp -L "$lib" "$l2$lib"
done
install -m 755 "$tmp/tbvsock" "$l2/usr/bin/tbvsock"
install -m 755 "$here/l2-init" "$l2/init"
mkcpio "$l2" "$tmp/l2.cpio"

# L1: the host.
l1=$tmp/l1root
skeleton "$l1"
modules "$l1" "$l1/etc/testbed/modules" virtio_pci 9pnet_virtio 9p \
	kvm_amd kvm_intel vhost_vsock
with_libs "$l1" /usr/bin/qemu-system-x86_64
mkdir -p "$l1/usr/share"
cp -a /usr/share/qemu /usr/share/seabios "$l1/usr/share/"
rm -rf "$l1/usr/share/qemu/"{openbios-*,s390-*,slof.bin,skiboot.lid,hppa-firmware.img,opensbi-*,palcode-clipper,u-boot*,npcm7xx_bootrom.bin,*.dtb}
install -m 755 "$tmp/tbvsock" "$l1/usr/bin/tbvsock"
install -m 755 "$here/tbguest" "$l1/usr/bin/tbguest"
install -m 755 "$here/l1-init" "$l1/init"
mkdir -p "$l1/usr/share/testbed"
cp "/boot/vmlinuz-$kver" "$l1/usr/share/testbed/vmlinuz"
cp "$tmp/l2.cpio" "$l1/usr/share/testbed/l2.cpio"
echo "$kver" >"$l1/etc/testbed/kver"
mkcpio "$l1" "$tmp/l1.cpio"

cp "/boot/vmlinuz-$kver" "$tmp/vmlinuz"
echo "$kver" >"$tmp/kver"
rm -rf "$l1" "$l2" "$tmp/tbvsock"
touch "$tmp/.dynmem-done"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
# Older images of this kernel are stale now.
for old in "$cache"/testbed-"$kver"-*; do
	[ "$old" = "$out" ] || [ ! -d "$old" ] || rm -rf "$old"
done
echo "$out"
