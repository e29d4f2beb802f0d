package dev.katadbg.testenv;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A command still running, such as a {@code ctr run} that blocks while its shim sits at a
 * breakpoint. Output goes to files, not pipes, so nobody has to drain it and a test can read
 * what it printed so far.
 */
public final class RunningCommand implements AutoCloseable {

  private final List<String> command;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private RunningCommand(List<String> command, Process process, Path stdout, Path stderr) {
    this.command = List.copyOf(command);
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code command} with exactly {@code environment}, stdin from /dev/null (ctr would
   * otherwise hand the container a pipe that never closes) and output into {@code outputStem}
   * {@code .out}/{@code .err}.
   */
  static RunningCommand start(List<String> command, Map<String, String> environment, Path outputStem) {
    Path out = outputStem.resolveSibling(outputStem.getFileName() + ".out");
    Path err = outputStem.resolveSibling(outputStem.getFileName() + ".err");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(new File("/dev/null"))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    try {
      return new RunningCommand(command, builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("start " + String.join(" ", command), e);
    }
  }

  public List<String> command() {
    return command;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String stdoutSoFar() {
    return read(stdout);
  }

  public String stderrSoFar() {
    return read(stderr);
  }

  /** The result if the command ends within {@code timeout}; empty (still running) otherwise. */
  public Optional<CommandResult> tryWait(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return Optional.empty();
    }
    return Optional.of(new CommandResult(command, process.exitValue(), stdoutSoFar(), stderrSoFar()));
  }

  /**
   * Waits for the command to end; fails the test if it runs longer than {@code timeout}. The
   * command is left running then, for the test to inspect; the owner kills it on stop.
   */
  public CommandResult waitFor(Duration timeout) throws InterruptedException {
    return tryWait(timeout).orElseThrow(() -> new AssertionError(String.join(" ", command)
        + " still running after " + timeout + "\n--- stdout so far ---\n" + stdoutSoFar()
        + "\n--- stderr so far ---\n" + stderrSoFar()));
  }

  /** SIGKILLs the command (not its children: ctr has none) and returns how it ended. */
  public CommandResult kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    return new CommandResult(command, process.exitValue(), stdoutSoFar(), stderrSoFar());
  }

  /** Kills the command if it still runs. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String read(Path file) {
    try {
      // new String replaces malformed bytes instead of throwing, unlike Files.readString.
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file, e);
    }
  }
}
