package dev.katadbg.elf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * ElfInput reads byte ranges of one file with positioned reads. Every range is checked against
 * the file size and a cap before a buffer is allocated, so a header field that points past the
 * end of the file (or claims gigabytes) becomes an {@link ElfException} instead of an
 * OutOfMemoryError or a read that never ends. Binaries are 20–100 MB; we read a few KB of them.
 */
final class ElfInput implements Closeable {
  /** Largest single range we read: a string table or build info never comes near this. */
  static final int MAX_READ = 64 << 20;

  private final Path file;
  private final FileChannel channel;
  private final long size;

  private ElfInput(Path file, FileChannel channel, long size) {
    this.file = file;
    this.channel = channel;
    this.size = size;
  }

  static ElfInput open(Path file) throws IOException {
    // A FIFO or device (/dev/zero) would block or never end; only regular files have a size.
    if (!Files.isRegularFile(file)) {
      if (!Files.exists(file)) {
        throw new ElfException(file, "no such file");
      }
      throw new ElfException(file, "not a regular file");
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return new ElfInput(file, channel, channel.size());
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  Path file() {
    return file;
  }

  long size() {
    return size;
  }

  ElfException error(String problem) {
    return new ElfException(file, problem);
  }

  /**
   * Reads {@code length} bytes at {@code offset}; {@code what} names the range in errors
   * ("section header table", "section .shstrtab").
   */
  ByteBuffer read(long offset, long length, ByteOrder order, String what) throws IOException {
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      throw error(what + " (offset " + offset + ", " + length + " bytes) extends past end of file ("
          + size + " bytes)");
    }
    if (length > MAX_READ) {
      throw error(what + " is too large to read (" + length + " bytes, limit " + MAX_READ + ")");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) length).order(order);
    long position = offset;
    while (buf.hasRemaining()) {
      int n;
      try {
        n = channel.read(buf, position);
      } catch (IOException e) {
        throw new ElfException(file, "read " + what + ": " + e.getMessage(), e);
      }
      if (n < 0) {
        // The size was taken at open; the file was truncated while we read it.
        throw error("file shrank while reading " + what);
      }
      position += n;
    }
    return buf.flip();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
