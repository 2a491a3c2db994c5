// SPDX-License-Identifier: GPL-2.0
/*
 * The wire codec, built into dynmem_guest.ko from the one source both
 * modules share. Naming "../host/codec.o" in guest/Kbuild would make one
 * object file part of two modules, compiled once with the KBUILD_MODNAME
 * and flags of one of them; compiling the shared source by inclusion gives
 * the guest its own object, as arch/x86/boot/compressed/ does with sources
 * of other directories.
 */
#include "../host/codec.c"
