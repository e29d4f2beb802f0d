package dev.katadbg.discovery;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Picks the one shim a user means by a pid, a sandbox id, a container id (the shim serving it),
 * {@code NAMESPACE/ID} or a unique prefix of an id. Exact matches win over prefixes, so a full
 * id is never ambiguous because it also prefixes a longer one.
 */
public final class Target {
  private Target() {}

  /** The outcome of resolving a target. */
  public sealed interface Resolution {
    /** Exactly one shim. */
    record Found(Shim shim) implements Resolution {}

    /** No shim matches; {@code candidates} are all the shims there are. */
    record NotFound(String query, List<Shim> candidates) implements Resolution {
      public NotFound {
        candidates = List.copyOf(candidates);
      }
    }

    /** Several shims match. */
    record Ambiguous(String query, List<Shim> candidates) implements Resolution {
      public Ambiguous {
        candidates = List.copyOf(candidates);
      }
    }
  }

  public static Resolution resolve(String query, List<Shim> shims) {
    Objects.requireNonNull(query, "query");
    if (query.isEmpty()) {
      return new Resolution.NotFound(query, shims);
    }
    if (query.chars().allMatch(Character::isDigit) && query.length() <= 10) {
      long pid = Long.parseLong(query);
      List<Shim> byPid = matching(shims, s -> s.pid() == pid);
      if (!byPid.isEmpty()) {
        return outcome(query, byPid, shims);
      }
    }
    List<Shim> exact = matching(shims, s -> s.id().equals(query) || s.name().equals(query)
        || s.containers().contains(query)
        || s.containers().stream().anyMatch(c -> (s.namespace() + "/" + c).equals(query)));
    if (!exact.isEmpty()) {
      return outcome(query, exact, shims);
    }
    List<Shim> prefix = matching(shims, s -> s.id().startsWith(query)
        || s.name().startsWith(query)
        || s.containers().stream().anyMatch(c -> c.startsWith(query)
            || (s.namespace() + "/" + c).startsWith(query)));
    return outcome(query, prefix, shims);
  }

  private static Resolution outcome(String query, List<Shim> matches, List<Shim> all) {
    return switch (matches.size()) {
      case 0 -> new Resolution.NotFound(query, all);
      case 1 -> new Resolution.Found(matches.get(0));
      default -> new Resolution.Ambiguous(query, matches);
    };
  }

  private static List<Shim> matching(List<Shim> shims, Predicate<Shim> p) {
    Set<Shim> out = new LinkedHashSet<>();
    for (Shim s : shims) {
      if (p.test(s)) {
        out.add(s);
      }
    }
    return new ArrayList<>(out);
  }
}
