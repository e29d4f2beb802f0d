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
 *
 *   katadbg-client --shim JAR SERVER_DIR N JAVA_ARG_1 .. JAVA_ARG_N -- ARG...
 *
 * The shim wrapper's front (containerd-shim-katadbg-v2 for a `start`): the server runs the
 * wrapper's JVM part, warm, and this process, the one the runtime manager ran, keeps everything
 * that must stay the caller's: it runs the exec watcher (and through it the real shim's start)
 * as its own child with its own stdin, stdout, environment and directory, relays the start's
 * stdout and the watcher's events to the server, and writes the wrapper's reply and exit status
 * as the server says (dev.katadbg.shim.ServedStart has the frames). Without a server it starts
 * one for the next start and becomes the wrapper's JVM itself (dev.katadbg.shim.ShimWrapper).
 * Nothing of its own reaches stdout or stderr but one line when the server dies mid-start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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
#define SHIM_MAIN "dev.katadbg.shim.ShimWrapper"
/* run_remote: the server does not run this command (it needs our terminal, stdin or cwd). */
#define REFUSED -2

/* Writes all of buf; to a socket (the server) with send(), never SIGPIPE: the shim front keeps
   SIGPIPE as the caller set it. */
static int put_all(int fd, const void *buf, size_t n, int sock) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int write_all(int fd, const void *buf, size_t n) { return put_all(fd, buf, n, 0); }

static int send_all(int fd, const void *buf, size_t n) { return put_all(fd, buf, n, 1); }

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

/* A request's head: the magic, the arguments and this process's environment. */
static void put_request(struct buf *b, const char *magic, int argc, char **argv) {
  put(b, magic, 4);
  put_u32(b, (uint32_t)argc);
  for (int i = 0; i < argc; i++) put_str(b, argv[i]);
  uint32_t envc = 0;
  for (char **e = environ; *e; e++) envc++;
  put_u32(b, envc);
  for (char **e = environ; *e; e++) put_str(b, *e);
}

/*
 * Runs the request on fd; returns the command's exit status, REFUSED, or -1 if the server
 * failed before answering.
 */
static int run_remote(int fd, int argc, char **argv) {
  struct buf b = {0};
  put_request(&b, "KDB1", argc, argv);
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

static void run_direct(char **java, int njava, const char *main_class, int argc, char **argv) {
  char **args = calloc((size_t)njava + (size_t)argc + 2, sizeof *args);
  if (!args) {
    perror("katadbg-client");
    exit(EXIT_PROTOCOL);
  }
  int k = 0;
  for (int i = 0; i < njava; i++) args[k++] = java[i];
  args[k++] = (char *)main_class;
  for (int i = 0; i < argc; i++) args[k++] = argv[i];
  /* Started with SIGINT ignored (`cmd &` in a script), a JVM never handles it: Ctrl-C would
     not end `katadbg run`. Unlike a shell, a program can un-ignore it. The shim wrapper keeps
     the runtime manager's dispositions, as the real shim would. */
  if (strcmp(main_class, SHIM_MAIN) != 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
  }
  execv(args[0], args);
  fprintf(stderr, "katadbg: cannot run %s: %s\n", args[0], strerror(errno));
  exit(EXIT_PROTOCOL);
}

/* ---- the shim wrapper's front ---- */

/* shim_remote: the server closed before its first frame; it read nothing of ours that ran. */
#define NO_ANSWER -3

struct frame {
  unsigned char kind;
  uint32_t len;
  char *body;
};

static int read_frame(int fd, struct frame *f) {
  unsigned char h[5];
  if (read_all(fd, h, 5) < 0) return -1;
  f->kind = h[0];
  f->len = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
  if (f->len > (1u << 24)) return -1;
  f->body = malloc(f->len + 1);
  if (!f->body) return -1;
  if (f->len > 0 && read_all(fd, f->body, f->len) < 0) {
    free(f->body);
    return -1;
  }
  f->body[f->len] = 0;
  return 0;
}

static uint32_t be32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* A frame body of counted strings as a NULL-terminated argv (pointing into the body). */
static char **decode_argv(struct frame *f) {
  if (f->len < 4) return NULL;
  uint32_t n = be32(f->body);
  if (n == 0 || n > 65536) return NULL;
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) return NULL;
  size_t off = 4;
  for (uint32_t i = 0; i < n; i++) {
    if (off + 4 > f->len) return NULL;
    uint32_t k = be32(f->body + off);
    off += 4;
    if (k > f->len - off) return NULL;
    /* Strings end where the next length starts: move each down a byte to make room for NUL. */
    memmove(f->body + off - 4, f->body + off, k);
    f->body[off - 4 + k] = 0;
    v[i] = f->body + off - 4;
    off += k;
  }
  return v;
}

static int send_frame(int fd, unsigned char kind, const void *body, uint32_t n) {
  unsigned char h[5] = {kind, n >> 24, n >> 16, n >> 8, n};
  if (send_all(fd, h, 5) < 0) return -1;
  return n ? send_all(fd, body, n) : 0;
}

static int send_u32(int fd, unsigned char kind, uint32_t v) {
  unsigned char x[4] = {v >> 24, v >> 16, v >> 8, v};
  return send_frame(fd, kind, x, 4);
}

/* 'o', 'e' and 'x' from the server; returns the exit status once 'x' came, else -1. */
static int output_frame(struct frame *f) {
  if (f->kind == 'x' && f->len == 4) return (int)be32(f->body);
  if (f->kind == 'o' || f->kind == 'e') {
    /* A caller that closed our stdout gets nothing more; the status still counts. */
    write_all(f->kind == 'o' ? 1 : 2, f->body, f->len);
  }
  return -1;
}

/*
 * The daemon the watcher handed over, from its "handed PID" event, and its start time: until
 * the server's guard watches this process, nothing else would end that stopped daemon if the
 * server died now.
 */
static pid_t handed_pid;
static unsigned long long handed_start;
static char evline[256];
static size_t evlen;

/* Field 22 of /proc/PID/stat, or 0 when it cannot be read. */
static unsigned long long start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return 0;
  /* The space after ')' starts field 3 (state); the start time is field 22. */
  for (int field = 3; field <= 22; field++) {
    p = strchr(p + 1, ' ');
    if (!p) return 0;
  }
  return strtoull(p + 1, NULL, 10);
}

static void scan_events(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != '\n') {
      if (evlen < sizeof evline - 1) evline[evlen++] = p[i];
      continue;
    }
    evline[evlen] = 0;
    evlen = 0;
    int pid;
    if (sscanf(evline, "handed %d", &pid) == 1 && pid > 0) {
      handed_pid = pid;
      handed_start = start_time(pid);
    }
  }
}

/* The server died before it said the start is done: end the daemon it may not have guarded. */
static void end_handed_daemon(void) {
  if (handed_pid > 0 && handed_start != 0 && start_time(handed_pid) == handed_start) {
    kill(handed_pid, SIGKILL);
  }
}

static void server_gone(void) {
  static const char line[] =
      "katadbg: the resident katadbg serving this start ended before it was done; nothing"
      " this start ran is left (see katadbg logs); set KATADBG_SERVER=0 in the runtime"
      " manager's environment to start without it\n";
  write_all(2, line, sizeof line - 1);
}

/*
 * Runs the watcher the server named as our child and relays until the server's 'x'. Returns
 * the wrapper's exit status.
 */
static int watch(int fd, char **cmd) {
  int outp[2], errp[2];
  if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
    send_frame(fd, 'P', "\0\0\0\0", 4);
    send_frame(fd, 'C', "", 0);
    const char ev[] = "error katadbg's front cannot make a pipe\n";
    send_frame(fd, 'E', ev, sizeof ev - 1);
    send_frame(fd, 'F', "", 0);
    send_u32(fd, 'X', 3);
  } else {
    pid_t w = fork();
    if (w == 0) {
      dup2(outp[1], 1);
      dup2(errp[1], 2);
      execv(cmd[0], cmd);
      dprintf(2, "error cannot run the exec watcher %s: %s\n", cmd[0], strerror(errno));
      _exit(3);
    }
    close(outp[1]);
    close(errp[1]);
    if (w < 0 || send_u32(fd, 'P', (uint32_t)w) < 0) {
      if (w > 0) kill(w, SIGKILL);
      server_gone();
      return 1;
    }
    struct pollfd p[3] = {{.fd = fd, .events = POLLIN},
                          {.fd = outp[0], .events = POLLIN},
                          {.fd = errp[0], .events = POLLIN}};
    int exited = 0;
    char chunk[65536];
    for (;;) {
      if (poll(p, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 1; i <= 2; i++) {
        if (p[i].fd < 0 || !p[i].revents) continue;
        ssize_t n = read(p[i].fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        int ok;
        if (n > 0) {
          if (i == 2) scan_events(chunk, (size_t)n);
          ok = send_frame(fd, i == 1 ? 'O' : 'E', chunk, (uint32_t)n);
        } else {
          close(p[i].fd);
          p[i].fd = -1;
          ok = send_frame(fd, i == 1 ? 'C' : 'F', "", 0);
          if (i == 2) {
            /* Its stderr ended: the watcher is exiting (the start's stderr is a file). */
            int st;
            while (waitpid(w, &st, 0) < 0 && errno == EINTR) {}
            exited = 1;
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (ok == 0) ok = send_u32(fd, 'X', (uint32_t)code);
          }
        }
        if (ok < 0) goto gone;
      }
      if (!p[0].revents) continue;
      struct frame f;
      if (read_frame(fd, &f) < 0) goto gone;
      if (f.kind == 'k') {
        if (!exited) kill(w, SIGKILL);
      } else {
        int code = output_frame(&f);
        if (code >= 0) return code;
      }
      free(f.body);
    }
  gone:
    if (!exited) {
      kill(w, SIGKILL);
      while (waitpid(w, NULL, 0) < 0 && errno == EINTR) {}
    }
    end_handed_daemon();
    server_gone();
    return 1;
  }
  /* No pipe: the server got an error event and answers with the outcome. */
  for (;;) {
    struct frame f;
    if (read_frame(fd, &f) < 0) {
      server_gone();
      return 1;
    }
    int code = output_frame(&f);
    if (code >= 0) return code;
    free(f.body);
  }
}

/* Runs a shim start through the server; the wrapper's exit status, REFUSED or NO_ANSWER. */
static int shim_remote(int fd, int argc, char **argv) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return REFUSED;
  struct buf b = {0};
  put_request(&b, "KDS1", argc, argv);
  put_str(&b, cwd);
  put_u32(&b, (uint32_t)getpid());
  int sent = send_all(fd, b.data, b.len);
  free(b.data);
  if (sent < 0) return NO_ANSWER;
  int framed = 0;
  for (;;) {
    struct frame f;
    if (read_frame(fd, &f) < 0) {
      if (!framed) return NO_ANSWER;
      server_gone();
      return 1;
    }
    framed = 1;
    if (f.kind == 'r') return REFUSED;
    if (f.kind == 'p' || f.kind == 'w') {
      char **cmd = decode_argv(&f);
      if (!cmd) {
        server_gone();
        return 1;
      }
      if (f.kind == 'w') return watch(fd, cmd);
      close(fd);
      execv(cmd[0], cmd);
      dprintf(2, "katadbg: cannot run the real shim %s: %s (fix [shim] binary)\n", cmd[0],
              strerror(errno));
      return 1;
    }
    int code = output_frame(&f);
    if (code >= 0) return code;
    free(f.body);
  }
}

int main(int argc, char **argv) {
  int shim = argc > 1 && strcmp(argv[1], "--shim") == 0;
  if (shim) {
    argv++;
    argc--;
  }
  const char *main_class = shim ? SHIM_MAIN : "dev.katadbg.cli.Main";
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
    run_direct(java, njava, main_class, nargs, args);
  }
  int fd = connect_to(sock);
  if (shim) {
    if (fd >= 0) {
      int status = shim_remote(fd, nargs, args);
      if (status >= 0) return status;
      /* Refused, or the server closed before answering (it was ending as we came): nothing
         ran, so the wrapper's JVM starts here as without a server. */
      close(fd);
    } else {
      spawn_server(java, njava, sock);
    }
    run_direct(java, njava, main_class, nargs, args);
    return EXIT_PROTOCOL;
  }
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
  run_direct(java, njava, main_class, nargs, args);
  return EXIT_PROTOCOL;
}
