/*
 * katadbg-execwatch: runs a shim's `start` under a minimal ptrace exec watcher and hands the
 * daemon that `start` re-executes to a debugger of its own.
 *
 *   katadbg-execwatch --stderr FILE --daemon-exe PATH [--daemon-regex ERE]
 *                     [--timeout-ms N] -- PROGRAM ARG...
 *
 * PROGRAM runs with this process's stdin and stdout (the runtime options and the reply stay the
 * shim's own bytes, never copied) and with stderr appended to FILE. Every process it starts is
 * traced for exec, fork, vfork and clone only: no breakpoint, no DWARF, native speed. The first
 * descendant that execs the daemon (its /proc/PID/exe is PATH, or its command line, NULs read as
 * spaces, matches ERE) is held in its exec stop, before its first instruction. Once `start` has
 * exited, the daemon is given a SIGSTOP and detached, so it waits in a group-stop for
 * `dlv attach` / `gdbserver --attach`; every other process is let go.
 *
 * Why the daemon is held in its ptrace stop until `start` has exited: the daemon is in a process
 * group of its own (Setpgid), and when `start`, its parent, exits, that group becomes orphaned;
 * the kernel then sends SIGHUP and SIGCONT to a group with a stopped member, and the Go daemon
 * dies of SIGHUP. A ptrace-stopped task does not count as stopped for that rule.
 *
 * Why a signal is sent before PTRACE_DETACH: a signal passed to PTRACE_DETACH at an event stop
 * (the exec stop is one) is ignored by the kernel.
 *
 * Events, one line each on this process's own stderr (fd 2), for katadbg to read:
 *   started PID        PROGRAM is running (its exec succeeded)
 *   daemon PID         the daemon exec'd and is held
 *   exited STATUS      `start` exited with STATUS
 *   killed SIGNAL      `start` was killed by SIGNAL
 *   lost PID           the held daemon exited (its start killed it); there is no daemon
 *   handed PID         the daemon is stopped (/proc says T) and no longer traced
 *   nodaemon           `start` exited without executing a daemon
 *   timeout MS         `start` ran longer than MS ms: it and the daemon were killed
 *   error TEXT         this watcher failed; nothing it started is left running
 * It exits 0 when it ran to the end (whatever `start` did), 2 on bad usage, 3 on an error.
 *
 * ptrace requests must come from the tracing thread, and a JVM's own child reaper would take
 * the stops of its children from it; hence a separate, single-threaded process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRACEES 4096

static pid_t tracees[MAX_TRACEES];
static int ntracees;
/* Announced by a fork/vfork/clone event: their first SIGSTOP is the attach stop, not a signal. */
static pid_t fresh[MAX_TRACEES];
static int nfresh;
static volatile sig_atomic_t timed_out;

static void event(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  /* One write per line: the reader sees whole events. */
  while (write(2, buf, n) < 0 && errno == EINTR) {}
}

static int index_of(pid_t *set, int n, pid_t pid) {
  for (int i = 0; i < n; i++)
    if (set[i] == pid) return i;
  return -1;
}

static void add(pid_t *set, int *n, pid_t pid) {
  if (index_of(set, *n, pid) < 0 && *n < MAX_TRACEES) set[(*n)++] = pid;
}

static int take(pid_t *set, int *n, pid_t pid) {
  int i = index_of(set, *n, pid);
  if (i < 0) return 0;
  set[i] = set[--(*n)];
  return 1;
}

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
}

/* The process's state letter from /proc/PID/stat ('T' stopped, 't' traced, 'Z'...), or 0. */
static char proc_state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *paren = strrchr(buf, ')');
  return paren && paren[1] == ' ' ? paren[2] : 0;
}

static int is_daemon(pid_t pid, const char *exe, regex_t *re) {
  char path[64];
  if (re) {
    char cmd[8192];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, cmd, sizeof cmd - 1);
    close(fd);
    if (n <= 0) return 0;
    if (cmd[n - 1] == 0) n--;
    for (ssize_t i = 0; i < n; i++)
      if (cmd[i] == 0) cmd[i] = ' ';
    cmd[n] = 0;
    return regexec(re, cmd, 0, NULL, 0) == 0;
  }
  char target[PATH_MAX];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = 0;
  return strcmp(target, exe) == 0;
}

static void resume(pid_t pid, int sig) {
  if (ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig) < 0 && errno != ESRCH)
    event("error PTRACE_CONT %d: %s", pid, strerror(errno));
}

/*
 * The held daemon is dying (killed by its own start, which the runc shim's start does when it
 * fails after spawning it, just before it exits itself): reaps it and says so. Bounded: a
 * tracee that is not dying is left to PTRACE_O_EXITKILL.
 */
static void lose(pid_t daemon) {
  for (int i = 0; i < 1000; i++) {
    int st;
    pid_t r = waitpid(daemon, &st, __WALL | WNOHANG);
    if (r == daemon && (WIFEXITED(st) || WIFSIGNALED(st))) break;
    if (r < 0 && errno != EINTR) break;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  take(tracees, &ntracees, daemon);
  event("lost %d", daemon);
}

/*
 * Leaves the held daemon stopped and untraced. Returns 0 once /proc shows it stopped, so that
 * the debugger attaches to a process that is really waiting; 1 when it turned out to be dying
 * (there is no daemon); -1 on an error.
 */
static int hand_over(pid_t daemon) {
  if (kill(daemon, SIGSTOP) < 0 || ptrace(PTRACE_DETACH, daemon, 0, 0) < 0) {
    if (errno == ESRCH) {
      lose(daemon);
      return 1;
    }
    event("error handing over the daemon %d: %s", daemon, strerror(errno));
    return -1;
  }
  take(tracees, &ntracees, daemon);
  for (int i = 0; i < 5000; i++) {
    char s = proc_state(daemon);
    if (s == 'T') {
      event("handed %d", daemon);
      return 0;
    }
    if (s == 0 || s == 'Z' || s == 'X') {
      /* Killed just as it was let go: no daemon, as in lose(). */
      event("lost %d", daemon);
      return 1;
    }
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  event("error the daemon %d did not stop within 5 s", daemon);
  return -1;
}

/*
 * Lets every remaining tracee go: each is made to stop (a SIGSTOP of its own) and detached from
 * that stop with the signal suppressed, so it runs on as if never traced. Bounded: what is left
 * after two seconds dies with this process (PTRACE_O_EXITKILL).
 */
static void release_all(void) {
  /* A child whose attach stop is still pending stops by itself: a second SIGSTOP would stay
   * pending after the detach and stop it for good. */
  for (int i = 0; i < ntracees; i++)
    if (index_of(fresh, nfresh, tracees[i]) < 0)
      syscall(SYS_tgkill, tracees[i], tracees[i], SIGSTOP);
  alarm(2);
  while (ntracees > 0 && !timed_out) {
    int st;
    pid_t pid = waitpid(-1, &st, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      take(tracees, &ntracees, pid);
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    int sig = WSTOPSIG(st);
    int ev = st >> 16;
    if (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK || ev == PTRACE_EVENT_CLONE) {
      unsigned long child = 0;
      ptrace(PTRACE_GETEVENTMSG, pid, 0, &child);
      add(tracees, &ntracees, (pid_t)child); /* its attach stop will come */
    }
    int pass = (ev == 0 && sig != SIGSTOP && sig != SIGTRAP) ? sig : 0;
    ptrace(PTRACE_DETACH, pid, 0, (void *)(long)pass);
    take(tracees, &ntracees, pid);
  }
  alarm(0);
}

static void kill_all(pid_t start, pid_t daemon) {
  if (daemon > 0) kill(daemon, SIGKILL);
  if (start > 0) kill(start, SIGKILL);
  for (int i = 0; i < ntracees; i++) kill(tracees[i], SIGKILL);
}

static int usage(const char *why) {
  event("error usage: %s", why);
  return 2;
}

int main(int argc, char **argv) {
  const char *stderr_path = NULL, *daemon_exe = NULL, *daemon_regex = NULL;
  long timeout_ms = 0;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (i + 1 >= argc) return usage("an option without its value");
    if (strcmp(argv[i], "--stderr") == 0) stderr_path = argv[++i];
    else if (strcmp(argv[i], "--daemon-exe") == 0) daemon_exe = argv[++i];
    else if (strcmp(argv[i], "--daemon-regex") == 0) daemon_regex = argv[++i];
    else if (strcmp(argv[i], "--timeout-ms") == 0) timeout_ms = atol(argv[++i]);
    else return usage("unknown option");
  }
  if (i >= argc || !stderr_path || !daemon_exe) return usage("--stderr, --daemon-exe and a program");
  char **prog = &argv[i];

  regex_t re;
  regex_t *rep = NULL;
  if (daemon_regex) {
    int rc = regcomp(&re, daemon_regex, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char msg[256];
      regerror(rc, &re, msg, sizeof msg);
      event("error bad --daemon-regex: %s", msg);
      return 2;
    }
    rep = &re;
  }

  /* If katadbg dies (a caller that gave up kills it), so do this watcher and, by
   * PTRACE_O_EXITKILL, everything it still traces: no half-started shim is left behind. */
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 3;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: waitpid returns EINTR */

  int errfd = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (errfd < 0) {
    event("error cannot open %s: %s", stderr_path, strerror(errno));
    return 3;
  }

  pid_t start = fork();
  if (start < 0) {
    event("error fork: %s", strerror(errno));
    return 3;
  }
  if (start == 0) {
    /* The events pipe is kept only until the exec, to report its failure. */
    int ev = fcntl(2, F_DUPFD_CLOEXEC, 3);
    dup2(errfd, 2);
    prctl(PR_SET_PDEATHSIG, 0);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) {
      dprintf(ev, "error PTRACE_TRACEME: %s\n", strerror(errno));
      _exit(127);
    }
    raise(SIGSTOP);
    execv(prog[0], prog);
    dprintf(ev, "error cannot execute %s: %s\n", prog[0], strerror(errno));
    _exit(127);
  }
  close(errfd);

  int st;
  if (waitpid(start, &st, __WALL) != start || !WIFSTOPPED(st)) {
    event("error the start process did not stop before its exec");
    return 3;
  }
  long opts = PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
              PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, start, 0, (void *)opts) < 0) {
    event("error PTRACE_SETOPTIONS: %s", strerror(errno));
    kill(start, SIGKILL);
    return 3;
  }
  add(tracees, &ntracees, start);
  if (timeout_ms > 0) {
    struct itimerval t = {{0, 0}, {timeout_ms / 1000, (timeout_ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &t, NULL);
  }
  resume(start, 0);

  int started = 0, start_done = 0, grace = 0;
  pid_t daemon = 0;
  for (;;) {
    if (start_done && daemon != 0) break;
    if (start_done && ntracees == 0) break;
    if (start_done && !grace) {
      /* A vfork parent runs on as soon as its child execs, before the child's exec stop is
       * reported: `start` may be seen exiting first. Wait a little for a daemon still to come. */
      grace = 1;
      timed_out = 0;
      struct itimerval t = {{0, 0}, {0, 500000}};
      setitimer(ITIMER_REAL, &t, NULL);
    }
    if (timed_out) {
      if (grace) break;
      event("timeout %ld", timeout_ms);
      kill_all(start, daemon);
      return 0;
    }
    pid_t pid = waitpid(-1, &st, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      event("error waitpid: %s", strerror(errno));
      kill_all(start, daemon);
      return 3;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      take(tracees, &ntracees, pid);
      take(fresh, &nfresh, pid);
      if (pid == daemon) {
        /* Killed by its own start (the runc shim's start kills its daemon when it fails after
         * spawning it): no daemon, and the start's own answer stands. */
        event("lost %d", daemon);
        daemon = 0;
      }
      if (pid == start) {
        start_done = 1;
        if (WIFEXITED(st)) event("exited %d", WEXITSTATUS(st));
        else event("killed %d", WTERMSIG(st));
      }
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    /* A new child's attach stop can be reported before its parent's fork event. */
    int known = index_of(tracees, ntracees, pid) >= 0;
    add(tracees, &ntracees, pid);
    int sig = WSTOPSIG(st);
    int ev = st >> 16;
    if (ev == PTRACE_EVENT_EXEC) {
      if (pid == start && !started) {
        started = 1;
        event("started %d", start);
        resume(pid, 0);
      } else if (daemon == 0 && pid != start && is_daemon(pid, daemon_exe, rep)) {
        daemon = pid; /* held: not resumed */
        event("daemon %d", daemon);
      } else {
        resume(pid, 0);
      }
    } else if (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK || ev == PTRACE_EVENT_CLONE) {
      unsigned long child = 0;
      /* The child is traced from now on, even before its attach stop is reported: counting it
       * keeps the watch going when the start exits first (the child may be the daemon). */
      if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &child) == 0 &&
          index_of(tracees, ntracees, (pid_t)child) < 0) {
        add(fresh, &nfresh, (pid_t)child);
        add(tracees, &ntracees, (pid_t)child);
      }
      resume(pid, 0);
    } else if (ev != 0 || sig == SIGTRAP) {
      resume(pid, 0);
    } else if (sig == SIGSTOP && (take(fresh, &nfresh, pid) || !known)) {
      resume(pid, 0);
    } else {
      resume(pid, sig); /* a signal for the process: deliver it */
    }
  }
  setitimer(ITIMER_REAL, &(struct itimerval){{0, 0}, {0, 0}}, NULL);
  timed_out = 0;

  if (!start_done) {
    /* Only reached when waitpid had nothing left to wait for. */
    event("error lost track of the start process %d", start);
    kill_all(start, daemon);
    return 3;
  }
  int rc = 0;
  int handed = daemon > 0 ? hand_over(daemon) : 1;
  if (handed < 0) {
    kill(daemon, SIGKILL);
    rc = 3;
  } else if (handed > 0) {
    event("nodaemon");
  }
  release_all();
  return rc;
}
