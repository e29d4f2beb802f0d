/*
 * katadbg-client: runs a katadbg query command (sessions, state, ps, ...) in a resident katadbg
 * JVM instead of starting one, so the command answers in milliseconds, not a JVM's start-up.
 *
 *   katadbg-client JAR SERVER_DIR N JAVA_ARG_1 .. JAVA_ARG_N -- ARG...
 *
 * JAVA_ARG_1..N start a JVM on katadbg's class path (the java binary and its flags, without a
 * main class). The server for this very install listens on SERVER_DIR/cli-INODE-MTIME-SIZE.sock
 * (JAR's identity, so an upgraded katadbg never talks to an old server). If it answers, the
 * command's arguments and this process's environment go to it, and its stdout, stderr and exit
 * status come back as frames. If it does not, this process becomes the JVM that runs the
 * command directly, as without a server, after starting a server in the background for the
 * next command. SERVER_DIR is created 0700; one that is not this user's alone is not used.
 *
 * Request:  "KDB1", u32 argc, argc x (u32 len, bytes), u32 envc, envc x (u32 len, bytes)
 * Response: frames of (u8 kind, u32 len, bytes): 'o' stdout, 'e' stderr, 'x' exit status (4
 *           bytes). All integers big-endian. A connection that ends without 'x' is exit 70.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define EXIT_PROTOCOL 70
/* run_remote: the server does not run this command (it needs our terminal, stdin or cwd). */
#define REFUSED -2

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* A growable request buffer: one write sends the whole request. */
struct buf {
  char *data;
  size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
      perror("katadbg-client: out of memory");
      exit(EXIT_PROTOCOL);
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void put_u32(struct buf *b, uint32_t v) {
  unsigned char x[4] = {v >> 24, v >> 16, v >> 8, v};
  put(b, x, 4);
}

static void put_str(struct buf *b, const char *s) {
  size_t n = strlen(s);
  put_u32(b, (uint32_t)n);
  put(b, s, n);
}

static int connect_to(const char *path) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) return -1;
  strcpy(a.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* SERVER_DIR exists (made here if not), is a directory, this user's, and no one else's. */
static int private_dir(const char *dir) {
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) return 0;
  struct stat st;
  if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) return 0;
  return st.st_uid == geteuid() && (st.st_mode & 077) == 0;
}

/*
 * Runs the request on fd; returns the command's exit status, REFUSED, or -1 if the server
 * failed before answering.
 */
static int run_remote(int fd, int argc, char **argv) {
  struct buf b = {0};
  put(&b, "KDB1", 4);
  put_u32(&b, (uint32_t)argc);
  for (int i = 0; i < argc; i++) put_str(&b, argv[i]);
  uint32_t envc = 0;
  for (char **e = environ; *e; e++) envc++;
  put_u32(&b, envc);
  for (char **e = environ; *e; e++) put_str(&b, *e);
  if (write_all(fd, b.data, b.len) < 0) return -1;
  free(b.data);
  shutdown(fd, SHUT_WR);
  char chunk[65536];
  int wrote_any = 0;
  for (;;) {
    unsigned char h[5];
    if (read_all(fd, h, 5) < 0) return wrote_any ? EXIT_PROTOCOL : -1;
    uint32_t n = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
    if (h[0] == 'r' && !wrote_any) return REFUSED;
    if (h[0] == 'x') {
      unsigned char c[4];
      if (n != 4 || read_all(fd, c, 4) < 0) return EXIT_PROTOCOL;
      return (int)((uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3]);
    }
    int out = h[0] == 'o' ? 1 : h[0] == 'e' ? 2 : -1;
    if (out < 0) return EXIT_PROTOCOL;
    while (n > 0) {
      size_t k = n < sizeof chunk ? n : sizeof chunk;
      if (read_all(fd, chunk, k) < 0) return EXIT_PROTOCOL;
      /* A closed stdout (`katadbg sessions | head -1`) ends the command quietly. */
      if (write_all(out, chunk, k) < 0) return 141;
      wrote_any = 1;
      n -= (uint32_t)k;
    }
  }
}

/* Starts the server detached: its own session, no stdio of ours, nothing waits for it. */
static void spawn_server(char **java, int njava, const char *sock) {
  pid_t p = fork();
  if (p != 0) {
    if (p > 0) {
      while (waitpid(p, NULL, 0) < 0 && errno == EINTR) {}
    }
    return;
  }
  if (fork() != 0) _exit(0);
  setsid();
  /* It outlives this call by minutes: it must hold no directory busy (an unmount) and no pipe
     of the caller's open (`out=$(katadbg sessions)` waits for every writer to close). */
  if (chdir("/") < 0) _exit(1);
  umask(077);
  int null = open("/dev/null", O_RDWR);
  if (null < 0) _exit(1);
  dup2(null, 0);
  dup2(null, 1);
  dup2(null, 2);
  if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
    for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < max; fd++) close((int)fd);
  }
  char **args = calloc((size_t)njava + 3, sizeof *args);
  if (!args) _exit(1);
  for (int i = 0; i < njava; i++) args[i] = java[i];
  args[njava] = "dev.katadbg.cli.CliServer";
  args[njava + 1] = (char *)sock;
  execv(args[0], args);
  _exit(127);
}

static void run_direct(char **java, int njava, int argc, char **argv) {
  char **args = calloc((size_t)njava + (size_t)argc + 2, sizeof *args);
  if (!args) {
    perror("katadbg-client");
    exit(EXIT_PROTOCOL);
  }
  int k = 0;
  for (int i = 0; i < njava; i++) args[k++] = java[i];
  args[k++] = "dev.katadbg.cli.Main";
  for (int i = 0; i < argc; i++) args[k++] = argv[i];
  /* Started with SIGINT ignored (`cmd &` in a script), a JVM never handles it: Ctrl-C would
     not end `katadbg run`. Unlike a shell, a program can un-ignore it. */
  signal(SIGINT, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  execv(args[0], args);
  fprintf(stderr, "katadbg: cannot run %s: %s\n", args[0], strerror(errno));
  exit(EXIT_PROTOCOL);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: katadbg-client JAR SERVER_DIR N JAVA_ARG... -- ARG...\n");
    return 2;
  }
  const char *jar = argv[1];
  const char *dir = argv[2];
  int njava = atoi(argv[3]);
  if (njava < 1 || 4 + njava >= argc || strcmp(argv[4 + njava], "--") != 0) {
    fprintf(stderr, "katadbg-client: bad JVM argument count %s\n", argv[3]);
    return 2;
  }
  char **java = argv + 4;
  int nargs = argc - (5 + njava);
  char **args = argv + 5 + njava;
  struct stat st;
  char sock[sizeof ((struct sockaddr_un *)0)->sun_path];
  if (stat(jar, &st) < 0 || !private_dir(dir)
      || snprintf(sock, sizeof sock, "%s/cli-%lu-%ld-%lld.sock", dir, (unsigned long)st.st_ino,
                  (long)st.st_mtime, (long long)st.st_size) >= (int)sizeof sock) {
    run_direct(java, njava, nargs, args);
  }
  int fd = connect_to(sock);
  if (fd >= 0) {
    /* A reader that went away is a normal end for a listing, not a signal death. */
    signal(SIGPIPE, SIG_IGN);
    int status = run_remote(fd, nargs, args);
    if (status >= 0) return status;
    /* Refused, or the server died before answering: nothing was printed, so running the
       command here is safe. */
    close(fd);
  } else {
    spawn_server(java, njava, sock);
  }
  run_direct(java, njava, nargs, args);
  return EXIT_PROTOCOL;
}
