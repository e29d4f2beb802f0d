package dev.katadbg.files;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Words for a failed file operation. The JDK's exceptions for EACCES, ENOENT, EEXIST ... carry
 * only the file name and tell the errno by their class, which a user never sees; a message
 * built from {@code getMessage()} alone reads "/run/katadbg" and nothing else.
 */
public final class FileErrors {
  private FileErrors() {}

  /** "FILE: permission denied", "FILE: No space left on device", or the plain message. */
  public static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() == null && f.getFile() != null) {
      return f.getMessage().strip() + ": " + errno(f);
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip();
  }

  private static String errno(FileSystemException f) {
    if (f instanceof AccessDeniedException) {
      return "permission denied";
    } else if (f instanceof NoSuchFileException) {
      return "no such file or directory";
    } else if (f instanceof FileAlreadyExistsException) {
      return "file exists";
    } else if (f instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    } else if (f instanceof NotDirectoryException) {
      return "not a directory";
    }
    return f.getClass().getSimpleName();
  }
}
