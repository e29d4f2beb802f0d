package dev.katadbg.ttrpc;

import java.io.IOException;

/** A ttrpc call or connection failed. */
public class TtrpcException extends IOException {
  private static final long serialVersionUID = 1L;

  public TtrpcException(String message) {
    super(message);
  }

  public TtrpcException(String message, Throwable cause) {
    super(message, cause);
  }
}
