package dev.katadbg.ttrpc;

/**
 * The peer broke the protocol (oversize length, truncated frame, unexpected stream id or type,
 * undecodable envelope). The connection it came from is no longer usable.
 */
public final class TtrpcProtocolException extends TtrpcException {
  private static final long serialVersionUID = 1L;

  public TtrpcProtocolException(String message) {
    super(message);
  }

  public TtrpcProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
