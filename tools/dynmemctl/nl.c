// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: the generic netlink socket.
 *
 * One request at a time: dm_nl_talk() sends a message, hands every reply
 * to a parser, and waits for the ACK (or the end of a dump). When the
 * kernel refuses, it prints the extended ACK message the kernel attached,
 * exactly, or strerror() of the error when there is none. libnl does not
 * read extended ACKs, so the socket asks for them (NETLINK_EXT_ACK) and the
 * error callback parses the TLVs after struct nlmsgerr itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "dynmemctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/**
 * struct talk - state of one request
 * @err: negative errno from the kernel, or 0
 * @done: the ACK, the error or the end of the dump arrived
 * @parse: called for each reply message
 * @arg: argument of @parse
 * @ext_msg: the extended ACK message, or empty
 */
struct talk {
	int err;
	bool done;
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
	char ext_msg[256];
};

static void parse_ext_ack(struct talk *t, const struct nlmsghdr *nlh,
			  size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *attrs;
	size_t len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off += NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len)
		return;
	attrs = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(off));
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs,
		      nlh->nlmsg_len - NLMSG_ALIGN(off), NULL) < 0)
		return;
	if (!tb[NLMSGERR_ATTR_MSG])
		return;
	len = nla_len(tb[NLMSGERR_ATTR_MSG]);
	if (len >= sizeof(t->ext_msg))
		len = sizeof(t->ext_msg) - 1;
	memcpy(t->ext_msg, nla_data(tb[NLMSGERR_ATTR_MSG]), len);
	t->ext_msg[len] = '\0';
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *nlerr, void *arg)
{
	const struct nlmsghdr *nlh = (void *)((char *)nlerr - NLMSG_HDRLEN);
	struct talk *t = arg;
	size_t off = sizeof(*nlerr);

	(void)nla;
	t->err = nlerr->error;
	t->done = true;
	/* Without NLM_F_CAPPED the request follows, in full. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += nlerr->msg.nlmsg_len - NLMSG_HDRLEN;
	parse_ext_ack(t, nlh, off);
	return NL_STOP;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct talk *t = arg;
	int err;

	t->done = true;
	/* A dump that fails part way ends with an error code in NLMSG_DONE. */
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0) {
			t->err = err;
			parse_ext_ack(t, nlh, sizeof(int));
		}
	}
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	if (t->parse && t->parse(msg, t->arg) < 0)
		return NL_SKIP;
	return NL_OK;
}

/**
 * dm_nl_open() - open a generic netlink socket to the "dynmem" family
 * @nl: the socket to set up
 *
 * Prints the reason on failure; when the family is missing, it says which
 * module to load.
 *
 * Return: 0 or a negative errno.
 */
int dm_nl_open(struct dm_nl *nl)
{
	int one = 1;
	int err;

	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		error("out of memory");
		return -ENOMEM;
	}
	err = genl_connect(nl->sk);
	if (err < 0) {
		error("cannot open a generic netlink socket: %s",
		      nl_geterror(err));
		goto err_free_sock;
	}
	/* Kernels without extended ACKs refuse these: plain errors remain. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	nl->family = genl_ctrl_resolve(nl->sk, DYNMEM_GENL_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND) {
		error("dynmem_host is not loaded (the generic netlink family \"%s\" was not found); try: modprobe dynmem_host",
		      DYNMEM_GENL_NAME);
		err = -ENOENT;
		goto err_free_sock;
	}
	if (nl->family < 0) {
		error("cannot resolve the generic netlink family \"%s\": %s",
		      DYNMEM_GENL_NAME, nl_geterror(nl->family));
		err = -EIO;
		goto err_free_sock;
	}
	return 0;

err_free_sock:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return err < 0 ? err : -EIO;
}

/**
 * dm_nl_close() - close a socket opened by dm_nl_open()
 * @nl: the socket
 */
void dm_nl_close(struct dm_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/**
 * dm_nl_msg() - allocate a request of the dynmem family
 * @nl: the socket
 * @cmd: enum dynmem_cmd
 * @flags: netlink flags, e.g. NLM_F_DUMP
 *
 * Return: the message, or NULL after printing the reason.
 */
struct nl_msg *dm_nl_msg(struct dm_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (!msg)
		goto err_nomem;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, DYNMEM_GENL_VERSION)) {
		nlmsg_free(msg);
		goto err_nomem;
	}
	return msg;

err_nomem:
	error("out of memory");
	return NULL;
}

/**
 * dm_nl_talk() - send a request and receive its replies
 * @nl: the socket
 * @msg: the request; freed here
 * @parse: called for each reply message, or NULL
 * @arg: argument of @parse
 *
 * Prints the kernel's reason when it refuses the request, except for an
 * interrupted dump, which the caller may retry.
 *
 * Return: 0, -EINTR for an interrupted dump, or another negative errno.
 */
int dm_nl_talk(struct dm_nl *nl, struct nl_msg *msg,
	       int (*parse)(struct nl_msg *msg, void *arg), void *arg)
{
	struct talk t = { .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int err;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		error("out of memory");
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &t);

	err = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		goto out;
	err = 0;
	while (!t.done) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0)
			break;
	}
out:
	nl_cb_put(cb);

	if (t.err) {
		if (t.ext_msg[0])
			error("%s", t.ext_msg);
		else
			error("%s", strerror(-t.err));
		return t.err;
	}
	if (err == -NLE_DUMP_INTR)
		return -EINTR;
	if (err < 0) {
		error("netlink: %s", nl_geterror(err));
		return -EIO;
	}
	return 0;
}

/**
 * put_opts() - add the parsed "keyword value" pairs to a request
 * @msg: the request
 * @opts: the table filled by parse_opts()
 * @nr_opts: number of entries in @opts
 *
 * Return: 0, or -EMSGSIZE after printing the reason.
 */
int put_opts(struct nl_msg *msg, const struct opt *opts, size_t nr_opts)
{
	size_t i;
	int err;

	for (i = 0; i < nr_opts; i++) {
		if (!opts[i].seen)
			continue;
		if (opts[i].kind == OPT_SIZE)
			err = nla_put_u64(msg, opts[i].attr, opts[i].u64);
		else
			err = nla_put_u32(msg, opts[i].attr, opts[i].u32);
		if (err < 0) {
			error("request too large");
			return -EMSGSIZE;
		}
	}
	return 0;
}
