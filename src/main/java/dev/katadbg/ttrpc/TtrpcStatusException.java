package dev.katadbg.ttrpc;

/** The peer answered with a non-OK gRPC status (ttrpc reuses gRPC's codes). */
public final class TtrpcStatusException extends TtrpcException {
  private static final long serialVersionUID = 1L;
  private final int code;
  private final String detail;

  public TtrpcStatusException(int code, String detail) {
    super(StatusCode.name(code) + ": " + detail);
    this.code = code;
    this.detail = detail;
  }

  public int code() {
    return code;
  }

  /** The peer's message without the code name. */
  public String detail() {
    return detail;
  }
}
