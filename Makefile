# SPDX-License-Identifier: GPL-2.0
#
# dynmem: Dynamic Memory for KVM.
#
#   make            modules for KDIR and the tools
#   make check      every test (installs missing Debian packages)
#   make lint       W=1, sparse and checkpatch --strict on the project's code
#   make bench-arbiter
#   make bench-policy
#
# KDIR defaults to the newest installed Debian linux-headers-*-amd64: the
# running kernel of the build machine need not be the target.

KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
ifeq ($(KDIR),)
KDIR := /usr/src/linux-headers-amd64-not-installed
endif

CURDIR_ABS := $(abspath $(CURDIR))

.PHONY: all modules tools clean check lint deps bench-arbiter bench-policy uml-kernel

all: modules tools

deps:
	@tools/deps.sh

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR_ABS) modules

tools:
	$(MAKE) -C tools

lint: deps
	@tools/lint.sh "$(KDIR)"

uml-kernel: deps
	@tools/uml/build-kernel.sh

check: deps
	@tools/check.sh "$(KDIR)"

bench-arbiter:
	$(MAKE) -C tools bench-arbiter

bench-policy:
	$(MAKE) -C tools bench-policy

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR_ABS) clean
	$(MAKE) -C tools clean
	rm -rf build
