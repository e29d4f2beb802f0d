package dev.katadbg.shimargs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One call of a shim v2 binary, parsed the way Go's {@code flag} package parses it (containerd's
 * shim library and Kata both use it): {@code -x v}, {@code -x=v} and {@code --x v} are the same,
 * boolean flags take no separate value, and parsing stops at the first non-flag, which is the
 * action word ({@code start}, {@code delete}; none means daemon mode).
 *
 * <p>Anything the wrapper does not understand is passed through untouched, so the real shim
 * gives its own answer (and its own error for a bad flag).
 */
public record ShimInvocation(List<String> args, Map<String, String> flags, Optional<String> action,
    List<String> rest) {

  /** Flags of containerd's shim library and Kata that take no value. */
  private static final Set<String> BOOLEAN_FLAGS = Set.of("debug", "v", "version", "info", "h",
      "help");

  public ShimInvocation {
    args = List.copyOf(args);
    flags = Map.copyOf(flags);
    rest = List.copyOf(rest);
  }

  public static ShimInvocation parse(List<String> args) {
    Map<String, String> flags = new LinkedHashMap<>();
    int i = 0;
    while (i < args.size()) {
      String a = args.get(i);
      if (a.equals("--")) {
        i++;
        break;
      }
      if (a.length() < 2 || a.charAt(0) != '-' || a.equals("--")) {
        break;
      }
      String name = a.startsWith("--") ? a.substring(2) : a.substring(1);
      if (name.isEmpty() || name.startsWith("-") || name.startsWith("=")) {
        break;
      }
      int eq = name.indexOf('=');
      if (eq >= 0) {
        flags.put(name.substring(0, eq), name.substring(eq + 1));
        i++;
      } else if (BOOLEAN_FLAGS.contains(name)) {
        flags.put(name, "true");
        i++;
      } else if (i + 1 < args.size()) {
        flags.put(name, args.get(i + 1));
        i += 2;
      } else {
        flags.put(name, "");
        i++;
      }
    }
    Optional<String> action = i < args.size() ? Optional.of(args.get(i)) : Optional.empty();
    List<String> rest = i + 1 < args.size() ? args.subList(i + 1, args.size()) : List.of();
    return new ShimInvocation(args, flags, action, rest);
  }

  public Optional<String> flag(String name) {
    return Optional.ofNullable(flags.get(name));
  }

  public String id() {
    return flag("id").orElse("");
  }

  /** containerd always passes a namespace; CRI-O passes {@code default}. */
  public String namespace() {
    return flag("namespace").orElse("default");
  }

  /**
   * True only for a plain {@code start}: the action word is last, as every runtime manager
   * sends it. Anything stranger goes to the real shim unchanged.
   */
  public boolean isStart() {
    return action.filter("start"::equals).isPresent() && rest.isEmpty();
  }
}
