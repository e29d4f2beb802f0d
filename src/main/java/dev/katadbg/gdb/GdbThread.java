package dev.katadbg.gdb;

import java.util.Objects;
import java.util.Optional;

/**
 * A thread of the target.
 *
 * @param id gdb's thread number
 * @param lwp the kernel's thread id (0 when gdb's target id does not say)
 * @param name the thread's name, empty if none
 * @param stopped whether it is stopped (in all-stop mode, all threads are or none)
 * @param frame where it is, when stopped
 */
public record GdbThread(int id, int lwp, String name, boolean stopped, Optional<GdbFrame> frame) {
  public GdbThread {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(frame, "frame");
  }

  static GdbThread of(MiValue.Tuple t) {
    // target-id is "Thread PID.LWP" (gdbserver, native) or "LWP N" (native, no libthread_db).
    String target = t.text("target-id").orElse("");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:\\d+\\.|LWP )(\\d+)")
        .matcher(target);
    int lwp = m.find() ? Integer.parseInt(m.group(1)) : 0;
    return new GdbThread(Integer.parseInt(t.text("id").orElse("0")), lwp,
        t.text("name").orElse(""), t.text("state").orElse("").equals("stopped"),
        t.tuple("frame").map(GdbFrame::of));
  }
}
