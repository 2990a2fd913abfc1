/*
 * original_dst: the destination a TCP connection had before iptables REDIRECT/DNAT rewrote it,
 * read from the kernel's connection tracking with getsockopt(SO_ORIGINAL_DST) on an accepted
 * socket (IP6T_SO_ORIGINAL_DST for IPv6), as Envoy's original_dst listener filter does.
 * One function, originalDst(fd) -> [address, port]; throws an Error whose `code` is the errno
 * name (ENOENT: the connection was not redirected / has no conntrack entry). No state, no
 * allocation beyond the returned values; it must not block or touch the socket otherwise.
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* From <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static const char *errno_code(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    default: return "EIO";
  }
}

static napi_value fail(napi_env env, int e, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

static napi_value result(napi_env env, const char *address, unsigned port) {
  napi_value out, a, p;
  napi_create_array_with_length(env, 2, &out);
  napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &a);
  napi_create_uint32(env, port, &p);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, p);
  return out;
}

static napi_value original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "EINVAL", "originalDst(fd): fd must be a non-negative integer");
    return NULL;
  }
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &len) != 0) return fail(env, errno, "getsockname");
  char text[INET6_ADDRSTRLEN];
  if (local.ss_family == AF_INET6) {
    struct sockaddr_in6 dst6;
    socklen_t l6 = sizeof dst6;
    if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &dst6, &l6) == 0) {
      inet_ntop(AF_INET6, &dst6.sin6_addr, text, sizeof text);
      return result(env, text, ntohs(dst6.sin6_port));
    }
    /* A dual-stack socket carrying IPv4 (::ffff:a.b.c.d) falls through to the IPv4 lookup. */
  }
  struct sockaddr_in dst;
  socklen_t l4 = sizeof dst;
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &l4) != 0) return fail(env, errno, "getsockopt(SO_ORIGINAL_DST)");
  inet_ntop(AF_INET, &dst.sin_addr, text, sizeof text);
  return result(env, text, ntohs(dst.sin_port));
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "originalDst", NAPI_AUTO_LENGTH, original_dst, NULL, &fn);
  napi_set_named_property(env, exports, "originalDst", fn);
  return exports;
}
