/*
 * knobs' one piece of native code: it opens a NETLINK_SOCK_DIAG socket and asks
 * the kernel for a dump of TCP sockets, and hands the socket's descriptor to
 * JavaScript, which reads the replies with fs.readSync and parses them
 * (src/host/sock-diag.ts). Nothing else is done here, so that every decision
 * about the data stays in one (TypeScript) place.
 *
 * Why: /proc/net/tcp is formatted by the kernel with printf, one line at a time,
 * ~4 KiB per read(): ~60 ms for 75,000 TIME_WAIT sockets on the benchmark machine.
 * The same dump over sock_diag, the interface `ss` uses, costs ~19 ms there.
 * Node.js has no AF_NETLINK sockets of its own.
 *
 * open(kind, states) → a non-blocking descriptor (the kernel queues the next
 * datagram of a dump while the last one is read, so a read that finds nothing
 * means the dump is over), or -errno:
 *   kind 0: TCPDIAG_GETSOCK, the original inet_diag request, which the kernel
 *           answers with both families in one walk of the socket hash tables
 *           (inet_diag_dump_compat sets AF_UNSPEC);
 *   kind 4 / 6: SOCK_DIAG_BY_FAMILY for AF_INET / AF_INET6 (one walk each), for
 *           a kernel that refuses the first.
 * states: a mask of 1 << TCP_* state, within states 1..11 (TCP_ESTABLISHED..
 * TCP_CLOSING), what /proc/net/tcp lists: bit 12, TCP_BOUND_INACTIVE (bound, never
 * listened or connected, Linux 6.8), is always left out as /proc/net/tcp leaves
 * those sockets out. Only LISTEN: the kernel walks only the listening hash.
 */
#define NAPI_VERSION 3
#include <node_api.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

#define STATES_1_TO_11 0xFFEu

static int open_dump(int kind, uint32_t states) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
  if (fd < 0) return -errno;
  /* One request: a header and the old or the new request body. */
  struct {
    struct nlmsghdr nlh;
    union {
      struct inet_diag_req v1;
      struct inet_diag_req_v2 v2;
    } r;
  } req;
  memset(&req, 0, sizeof req);
  req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nlh.nlmsg_seq = 1;
  if (kind == 0) {
    req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof req.r.v1);
    req.nlh.nlmsg_type = TCPDIAG_GETSOCK;
    req.r.v1.idiag_family = AF_INET; /* ignored for a dump: both families come */
    req.r.v1.idiag_states = states & STATES_1_TO_11;
  } else {
    req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof req.r.v2);
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.r.v2.sdiag_family = kind == 6 ? AF_INET6 : AF_INET;
    req.r.v2.sdiag_protocol = IPPROTO_TCP;
    req.r.v2.idiag_states = states & STATES_1_TO_11;
  }
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  if (sendto(fd, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t kind = 0;
  uint32_t states = 0;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &kind) != napi_ok || (kind != 0 && kind != 4 && kind != 6) ||
      napi_get_value_uint32(env, argv[1], &states) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(kind, states): kind is 0, 4 or 6; states a mask of TCP states");
    return NULL;
  }
  napi_create_int32(env, open_dump(kind, states), &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, js_open, NULL, &fn);
  napi_set_named_property(env, exports, "open", fn);
  return exports;
}
