# SPDX-License-Identifier: GPL-2.0
#
# dynmem: Dynamic Memory for KVM.
#
#   make            modules for KDIR and the tools
#   make demo       dynmem at work on the emulated KVM host: three guests,
#                   a scripted workload, a summary and a plot in build/demo
#   make check      every test (installs missing Debian packages)
#   make lint       W=1, sparse and checkpatch --strict on the project's code
#   make bench      every benchmark (results: bench/RESULTS.md)
#   make bench-arbiter
#   make bench-policy
#   make bench-testbed  dynmem against the stock drivers on the test bed
#
# KDIR defaults to the newest installed Debian linux-headers-*-amd64: the
# running kernel of the build machine need not be the target.

KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
ifeq ($(KDIR),)
KDIR := /usr/src/linux-headers-amd64-not-installed
endif

CURDIR_ABS := $(abspath $(CURDIR))

.PHONY: all modules tools clean check check-run demo lint lint-run deps \
	bench bench-arbiter bench-policy bench-testbed uml-kernel

all: modules tools

deps:
	@tools/deps.sh

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR_ABS) modules

tools:
	$(MAKE) -C tools

# deps may install the headers that KDIR defaults to: a new make reads it
# again.
lint: deps
	@$(MAKE) --no-print-directory lint-run

lint-run:
	@tools/lint.sh "$(KDIR)"

uml-kernel: deps
	@tools/uml/build-kernel.sh

check: deps
	@$(MAKE) --no-print-directory check-run

check-run:
	@tools/check.sh "$(KDIR)"

demo:
	@tools/demo/demo.sh

bench-arbiter:
	$(MAKE) -C tools bench-arbiter

bench-policy:
	$(MAKE) -C tools bench-policy

bench-testbed: deps
	@bench/run.sh

bench: bench-arbiter bench-policy bench-testbed

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR_ABS) clean
	$(MAKE) -C tools clean
	rm -rf build
