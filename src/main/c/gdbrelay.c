/*
 * katadbg-gdbrelay: gives a gdbserver a unix socket, which gdbserver 13 cannot listen on.
 *
 *   katadbg-gdbrelay lo-up            bring up the loopback of this network namespace
 *   katadbg-gdbrelay SOCKET PORT      relay each client of SOCKET to 127.0.0.1:PORT
 *
 * katadbg runs gdbserver, its keeper gdb and this relay in a network namespace of their own
 * (unshare --net): gdbserver's TCP port there is reachable from that namespace only, and SOCKET
 * (mode 0600, created under umask 077) is the one way in from outside. A loopback port on the
 * host's network would let any local user drive a shim that runs as root.
 *
 * One client at a time, as gdbserver serves one: each accepted client gets its own TCP
 * connection to gdbserver, so gdbserver sees every client connect and disconnect (it resets its
 * protocol state, e.g. no-ack mode, per connection). A client that connects while another is
 * relayed waits in the listen backlog. Exits 2 on bad usage, 3 when it cannot set up; lines on
 * stderr say what it did.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    perror("katadbg-gdbrelay: socket");
    return 3;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    perror("katadbg-gdbrelay: SIOCGIFFLAGS lo");
    return 3;
  }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
    perror("katadbg-gdbrelay: SIOCSIFFLAGS lo");
    return 3;
  }
  close(s);
  return 0;
}

/* Writes all of buf; 0 on success. */
static int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    buf += w;
    n -= (size_t) w;
  }
  return 0;
}

/* Copies bytes both ways until either side ends. */
static void relay(int a, int b) {
  static char buf[65536];
  struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
  for (;;) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    for (int i = 0; i < 2; i++) {
      if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t r = read(p[i].fd, buf, sizeof buf);
        if (r <= 0) {
          if (r < 0 && errno == EINTR) {
            continue;
          }
          return;
        }
        if (write_all(p[1 - i].fd, buf, (size_t) r) < 0) {
          return;
        }
      }
    }
  }
}

static int serve(const char *path, const char *port_text) {
  char *end;
  long port = strtol(port_text, &end, 10);
  if (*port_text == '\0' || *end != '\0' || port < 1 || port > 65535) {
    fprintf(stderr, "katadbg-gdbrelay: bad port '%s'\n", port_text);
    return 2;
  }
  struct sockaddr_un un;
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof un.sun_path) {
    fprintf(stderr, "katadbg-gdbrelay: socket path too long: %s\n", path);
    return 2;
  }
  strcpy(un.sun_path, path);
  signal(SIGPIPE, SIG_IGN);
  umask(077);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
    unlink(path); /* a stale socket of an earlier relay */
  }
  if (l < 0 || bind(l, (struct sockaddr *) &un, sizeof un) < 0 || chmod(path, 0600) < 0
      || listen(l, 4) < 0) {
    fprintf(stderr, "katadbg-gdbrelay: cannot listen on %s: %s\n", path, strerror(errno));
    return 3;
  }
  fprintf(stderr, "katadbg-gdbrelay: %s relays to 127.0.0.1:%ld\n", path, port);
  struct sockaddr_in in;
  memset(&in, 0, sizeof in);
  in.sin_family = AF_INET;
  in.sin_port = htons((unsigned short) port);
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (;;) {
    int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      fprintf(stderr, "katadbg-gdbrelay: accept: %s\n", strerror(errno));
      return 3;
    }
    int g = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (g < 0 || connect(g, (struct sockaddr *) &in, sizeof in) < 0) {
      /* gdbserver not listening (yet, or any more): the client sees the connection end. */
      fprintf(stderr, "katadbg-gdbrelay: gdbserver at 127.0.0.1:%ld: %s\n", port,
          strerror(errno));
    } else {
      relay(c, g);
    }
    if (g >= 0) {
      close(g);
    }
    close(c);
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "lo-up") == 0) {
    return lo_up();
  }
  if (argc == 3) {
    return serve(argv[1], argv[2]);
  }
  fprintf(stderr, "usage: katadbg-gdbrelay lo-up | katadbg-gdbrelay SOCKET PORT\n");
  return 2;
}
