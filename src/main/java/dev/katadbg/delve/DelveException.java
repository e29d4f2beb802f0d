package dev.katadbg.delve;

/**
 * DelveException reports a failure to start, reach or use a Delve server. The message carries the
 * context a user needs: the address, the RPC method and Delve's own error text, e.g. {@code delve
 * FollowExec: unknown method: RPCServer.FollowExec}.
 */
public class DelveException extends RuntimeException {
  public DelveException(String message) {
    super(message);
  }

  public DelveException(String message, Throwable cause) {
    super(message, cause);
  }
}
