package dev.katadbg.gdb;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One line of gdb's machine interface output.
 *
 * @param token the number the command was sent with, for result and exec records
 * @param kind what the line is
 * @param name the result or async class ({@code done}, {@code error}, {@code stopped}...), or
 *     the unescaped text of a stream record
 * @param fields the results after the class; empty for stream records and the prompt
 */
public record MiRecord(OptionalLong token, Kind kind, String name, MiValue.Tuple fields) {

  /** The record types of gdb's MI output syntax, by their leading character. */
  public enum Kind {
    /** {@code ^}: the answer to a command. */
    RESULT,
    /** {@code *}: the target started or stopped. */
    EXEC,
    /** {@code +}: progress of a slow operation. */
    STATUS,
    /** {@code =}: something changed (a library loaded, a breakpoint modified...). */
    NOTIFY,
    /** {@code ~}: what gdb's console would print. */
    CONSOLE,
    /** {@code @}: the target's own output. */
    TARGET,
    /** {@code &}: gdb's log, including its error messages. */
    LOG,
    /** {@code (gdb)}: the end of one output. */
    PROMPT
  }

  public MiRecord {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(fields, "fields");
  }

  public boolean answers(long t) {
    return kind == Kind.RESULT && token.isPresent() && token.getAsLong() == t;
  }

  /** gdb's message of an {@code ^error} result. */
  public String errorMessage() {
    return fields.text("msg").orElse(name);
  }
}
