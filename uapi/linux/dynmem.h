/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dynmem: Dynamic Memory for KVM guests -- generic netlink interface.
 *
 * Documentation
 * =============
 *
 * The family "dynmem" (version DYNMEM_GENL_VERSION) is served by
 * dynmem_host.ko. It holds one *VM record* per virtual machine: the memory
 * policy of that VM (startup, minimum, maximum, buffer, weight), which may
 * exist before the VM runs, plus read-only state and counters. Host-wide
 * settings live in a separate object, the *host*.
 *
 * Every command that changes something needs CAP_NET_ADMIN in the network
 * namespace's owning user namespace (GENL_ADMIN_PERM); reads are open to all.
 * Attribute policies are strict: unknown attributes, wrong lengths and
 * read-only attributes in a request are rejected, and so are reserved bits
 * in the generic netlink header and unknown nlmsg_flags.
 *
 * DYNMEM_CMD_VM_NEW
 * -----------------
 *
 * Creates a VM record. Attributes (top level, enum dynmem_vm_attr):
 *
 *    DYNMEM_VM_A_NAME: NLA_NUL_STRING, required, 1..DYNMEM_NAME_MAX - 1
 *                      printable ASCII characters other than space
 *                      (0x21..0x7e); unique on the host
 *    DYNMEM_VM_A_STARTUP: NLA_U64, required, bytes
 *    DYNMEM_VM_A_MINIMUM: NLA_U64, bytes, default: STARTUP
 *    DYNMEM_VM_A_MAXIMUM: NLA_U64, bytes, default: STARTUP
 *    DYNMEM_VM_A_BUFFER: NLA_U32, percent, DYNMEM_BUFFER_MIN..MAX,
 *                        default DYNMEM_BUFFER_DEFAULT
 *    DYNMEM_VM_A_WEIGHT: NLA_U32, 0..DYNMEM_WEIGHT_MAX,
 *                        default DYNMEM_WEIGHT_DEFAULT
 *    DYNMEM_VM_A_PID: NLA_U32, attach the record to the KVM VM of this
 *                     VMM process (PID in the caller's namespace); 0
 *                     leaves or makes it detached
 *    DYNMEM_VM_A_CID: NLA_U32, the guest's vsock CID, 3..U32_MAX - 1,
 *                     unique among the records
 *
 * Sizes are non-zero multiples of DYNMEM_SIZE_ALIGN (4 KiB) and at most
 * DYNMEM_SIZE_MAX. The record must satisfy
 * MINIMUM <= STARTUP <= MAXIMUM.
 *
 * DYNMEM_VM_A_STATE, _TARGET and _STATS are read-only.
 *
 * Attaching (a non-zero PID) needs CAP_SYS_PTRACE besides CAP_NET_ADMIN.
 * The process must own exactly one KVM VM, whose guest RAM is mapped
 * shared from a file (QEMU: -object memory-backend-memfd,...,share=on
 * -machine memory-backend=...), so that the host can give memory back.
 * A KVM VM attaches to one record only; a record attached to one process
 * is detached (PID 0) before it attaches to another, and attaching it
 * again to the same process changes nothing. An attached record is in
 * DYNMEM_VM_STATE_ATTACHED; when the VMM closes the VM or exits, the host
 * detaches the record by itself within one period (DYNMEM_VM_STATE_OFF)
 * and announces it as a VM_SET event. If attaching fails, VM_NEW makes no
 * record and VM_SET changes nothing.
 *
 * DYNMEM_CMD_VM_SET
 * -----------------
 *
 * Changes a VM record. DYNMEM_VM_A_NAME selects the VM and is required; any
 * of STARTUP, MINIMUM, MAXIMUM, BUFFER, WEIGHT, PID and CID may follow. Attributes
 * that are absent keep their value; the record that results must satisfy
 * the rules of DYNMEM_CMD_VM_NEW, or nothing is changed. Changes take effect
 * at once, also on a running VM: the arbiter applies the new limits at its
 * next pass.
 *
 * DYNMEM_CMD_VM_DEL
 * -----------------
 *
 * Deletes the VM record named by DYNMEM_VM_A_NAME.
 *
 * DYNMEM_CMD_VM_GET
 * -----------------
 *
 * With NLM_F_DUMP, lists every VM record, one message per VM, in creation
 * order. A dump that spans several recv() calls is checked against a
 * generation counter: if records were added, changed or removed between
 * two parts, the part carries NLM_F_DUMP_INTR and the dump should be
 * retried. A dump takes no attributes. Without NLM_F_DUMP,
 * DYNMEM_VM_A_NAME is required and one message comes back. Each message
 * holds:
 *
 *    DYNMEM_VM_A_NAME: NLA_NUL_STRING
 *    DYNMEM_VM_A_STARTUP, _MINIMUM, _MAXIMUM: NLA_U64
 *    DYNMEM_VM_A_BUFFER, _WEIGHT: NLA_U32
 *    DYNMEM_VM_A_STATE: NLA_U32, enum dynmem_vm_state
 *    DYNMEM_VM_A_TARGET: NLA_U64, bytes the arbiter grants the VM now
 *    DYNMEM_VM_A_PID: NLA_U32, when attached (and the VMM has a PID in
 *                     the reader's namespace)
 *    DYNMEM_VM_A_CID: NLA_U32, once set
 *    DYNMEM_VM_A_STATS: NLA_NESTED, enum dynmem_vm_stat, when attached:
 *                       PHYSICAL always, the other counters while the
 *                       guest is connected (DYNMEM_VM_STATE_RUNNING)
 *
 * DYNMEM_CMD_HOST_GET / DYNMEM_CMD_HOST_SET
 * -----------------------------------------
 *
 * Host-wide settings and state (enum dynmem_host_attr):
 *
 *    DYNMEM_HOST_A_RESERVED: NLA_U64, bytes of host memory guests never
 *                            get; a multiple of DYNMEM_SIZE_ALIGN; settable
 *    DYNMEM_HOST_A_PERIOD_MS: NLA_U32, rebalancing period in milliseconds,
 *                             DYNMEM_PERIOD_MIN_MS..MAX_MS; settable
 *    DYNMEM_HOST_A_TOTAL: NLA_U64, read-only, host RAM in bytes
 *    DYNMEM_HOST_A_POOL: NLA_U64, read-only, memory guests may have:
 *                        TOTAL - RESERVED (0 when RESERVED >= TOTAL)
 *    DYNMEM_HOST_A_NR_VMS: NLA_U32, read-only, number of VM records
 *    DYNMEM_HOST_A_OVERCOMMIT: NLA_U8, read-only, 1 when the minimums of
 *                              running VMs do not fit in POOL
 *    DYNMEM_HOST_A_AVAILABLE: NLA_U64, read-only, memory the host can
 *                             still give to guests now: POOL less the
 *                             TARGETs of the running VMs
 *                             (DYNMEM_VM_STATE_RUNNING), 0 when they
 *                             exceed POOL
 *    DYNMEM_HOST_A_PRESSURE: NLA_U32, read-only, percent: the pressure
 *                            of all running VMs together, weighted by
 *                            their visible memory: the sum of their
 *                            DEMANDs * 100 / the sum of their VISIBLE
 *                            (see DYNMEM_VM_STAT_PRESSURE_CUR); 0 when
 *                            no running VM has reported yet
 *    DYNMEM_HOST_A_NR_RUNNING: NLA_U32, read-only, number of VM records
 *                              in DYNMEM_VM_STATE_RUNNING
 *
 * HOST_SET takes RESERVED and/or PERIOD_MS; HOST_GET takes no attributes.
 * The read-only attributes of the host are refused in HOST_SET
 * ("available: read-only" and so on).
 *
 * Notifications
 * -------------
 *
 * Every successful change is announced to the multicast group
 * DYNMEM_MCGRP_EVENTS: a message with the command that made the change
 * (VM_NEW, VM_SET, VM_DEL, HOST_SET) and the same attributes as the reply
 * to a GET of the object after the change (for VM_DEL: before it). A SET
 * that leaves every value as it was is announced too. A request with
 * NLM_F_ECHO gets the same message back on its own socket. Events leave
 * in the order of the changes; a listener that sees ENOBUFS on its socket
 * has lost some and should dump afresh.
 *
 * Errors
 * ------
 *
 * Errors come back as negative errno values in the netlink ACK, with an
 * extended ACK message that names the attribute and the rule broken, for
 * example "maximum: below startup", and, when one attribute of the request
 * is to blame, points at it (NLMSGERR_ATTR_OFFS); a missing required
 * attribute is named in NLMSGERR_ATTR_MISS_TYPE:
 *
 *    -EINVAL     a value breaks a rule
 *    -ENOENT     no VM record of that name
 *    -EEXIST     a VM record of that name exists already, or another
 *                record has that CID
 *    -EPERM      a write without CAP_NET_ADMIN, an attach without
 *                CAP_SYS_PTRACE
 *    -ESRCH      no process has that PID
 *    -ENODEV     the process has no KVM VM, or its VM no RAM yet
 *    -EBUSY      the KVM VM is attached to another record, or the record
 *                to another process
 *    -ENOSPC     too many VM records (DYNMEM_MAX_VMS)
 */

#ifndef _UAPI_LINUX_DYNMEM_H
#define _UAPI_LINUX_DYNMEM_H

#define DYNMEM_GENL_NAME	"dynmem"
#define DYNMEM_GENL_VERSION	1
#define DYNMEM_MCGRP_EVENTS	"events"

/* Length of a VM name including its terminating NUL. */
#define DYNMEM_NAME_MAX		64

#define DYNMEM_SIZE_ALIGN	4096ULL
#define DYNMEM_SIZE_MAX		0x4000000000000ULL	/* 1 PiB */

#define DYNMEM_BUFFER_MIN	5
#define DYNMEM_BUFFER_MAX	2000
#define DYNMEM_BUFFER_DEFAULT	20

#define DYNMEM_WEIGHT_MAX	10000
#define DYNMEM_WEIGHT_DEFAULT	5000

#define DYNMEM_PERIOD_MIN_MS	10
#define DYNMEM_PERIOD_MAX_MS	60000
#define DYNMEM_PERIOD_DEFAULT_MS 100

#define DYNMEM_MAX_VMS		65536

enum dynmem_cmd {
	DYNMEM_CMD_UNSPEC,
	DYNMEM_CMD_VM_NEW,
	DYNMEM_CMD_VM_SET,
	DYNMEM_CMD_VM_DEL,
	DYNMEM_CMD_VM_GET,
	DYNMEM_CMD_HOST_GET,
	DYNMEM_CMD_HOST_SET,
	__DYNMEM_CMD_MAX
};

#define DYNMEM_CMD_MAX (__DYNMEM_CMD_MAX - 1)

/**
 * enum dynmem_vm_state - what the host knows of a VM's life
 * @DYNMEM_VM_STATE_OFF: a policy only; no VMM process is attached
 * @DYNMEM_VM_STATE_ATTACHED: attached to a VMM's KVM VM, no guest session
 * @DYNMEM_VM_STATE_RUNNING: attached and the guest driver is connected
 */
enum dynmem_vm_state {
	DYNMEM_VM_STATE_OFF = 1,
	DYNMEM_VM_STATE_ATTACHED,
	DYNMEM_VM_STATE_RUNNING,
};

enum dynmem_vm_attr {
	DYNMEM_VM_A_UNSPEC,
	DYNMEM_VM_A_PAD,
	DYNMEM_VM_A_NAME,
	DYNMEM_VM_A_STARTUP,
	DYNMEM_VM_A_MINIMUM,
	DYNMEM_VM_A_MAXIMUM,
	DYNMEM_VM_A_BUFFER,
	DYNMEM_VM_A_WEIGHT,
	DYNMEM_VM_A_STATE,	/* read-only */
	DYNMEM_VM_A_TARGET,	/* read-only */
	DYNMEM_VM_A_PID,	/* the VMM process; 0 detaches */
	DYNMEM_VM_A_CID,	/* the guest's vsock CID */
	DYNMEM_VM_A_STATS,	/* read-only, nested enum dynmem_vm_stat */
	__DYNMEM_VM_A_MAX
};

#define DYNMEM_VM_A_MAX (__DYNMEM_VM_A_MAX - 1)

/*
 * Counters of an attached VM (bytes unless stated); a counter the host does
 * not measure is left out. PHYSICAL is the VMM's resident shared memory
 * (RssShmem), there for every attached VM; the others come with a
 * connected guest and start afresh with each connection:
 *
 *    VISIBLE      the guest's MemTotal: hot-add raises it, the balloon
 *                 does not lower it
 *    ADDED        memory hot-added on the host's offers
 *    REMOVED      memory in the balloon now: driver-locked in the guest
 *                 and given back to the host (the guest driver's
 *                 driver_locked_bytes)
 *    DEMAND       the guest's demand as the host computes it from the
 *                 last report (Documentation/host.rst)
 *    PRESSURE_CUR DEMAND * 100 / VISIBLE of the last report
 *    PRESSURE_AVG its moving average, 1/8 weight for each new report
 *    PRESSURE_MIN, PRESSURE_MAX  its extremes
 *    HOTADD_OPS   hot-add requests answered
 *    BALLOON_OPS  balloon and unballoon requests answered
 *    FAILURES     requests that failed or fell short, releases that failed
 *    LAST_ERROR   the negative errno of the last failure, 0 for none
 */
enum dynmem_vm_stat {
	DYNMEM_VM_STAT_UNSPEC,
	DYNMEM_VM_STAT_PAD,
	DYNMEM_VM_STAT_VISIBLE,		/* guest-visible memory */
	DYNMEM_VM_STAT_PHYSICAL,	/* host-resident memory */
	DYNMEM_VM_STAT_ADDED,		/* hot-added memory */
	DYNMEM_VM_STAT_REMOVED,		/* ballooned (driver locked) memory */
	DYNMEM_VM_STAT_DEMAND,
	DYNMEM_VM_STAT_PRESSURE_CUR,	/* NLA_U32, percent */
	DYNMEM_VM_STAT_PRESSURE_AVG,	/* NLA_U32, percent */
	DYNMEM_VM_STAT_PRESSURE_MIN,	/* NLA_U32, percent */
	DYNMEM_VM_STAT_PRESSURE_MAX,	/* NLA_U32, percent */
	DYNMEM_VM_STAT_HOTADD_OPS,
	DYNMEM_VM_STAT_BALLOON_OPS,
	DYNMEM_VM_STAT_FAILURES,
	DYNMEM_VM_STAT_LAST_ERROR,	/* NLA_S32, -errno */
	__DYNMEM_VM_STAT_MAX
};

#define DYNMEM_VM_STAT_MAX (__DYNMEM_VM_STAT_MAX - 1)

enum dynmem_host_attr {
	DYNMEM_HOST_A_UNSPEC,
	DYNMEM_HOST_A_PAD,
	DYNMEM_HOST_A_RESERVED,
	DYNMEM_HOST_A_PERIOD_MS,
	DYNMEM_HOST_A_TOTAL,		/* read-only */
	DYNMEM_HOST_A_POOL,		/* read-only */
	DYNMEM_HOST_A_NR_VMS,		/* read-only */
	DYNMEM_HOST_A_OVERCOMMIT,	/* read-only */
	DYNMEM_HOST_A_AVAILABLE,	/* read-only */
	DYNMEM_HOST_A_PRESSURE,		/* read-only */
	DYNMEM_HOST_A_NR_RUNNING,	/* read-only */
	__DYNMEM_HOST_A_MAX
};

#define DYNMEM_HOST_A_MAX (__DYNMEM_HOST_A_MAX - 1)

#endif /* _UAPI_LINUX_DYNMEM_H */
