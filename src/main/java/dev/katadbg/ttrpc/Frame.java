package dev.katadbg.ttrpc;

/**
 * One ttrpc message: a 10-byte big-endian header (payload length uint32, stream id uint32, type
 * uint8, flags uint8) and the payload. The stream id is unsigned on the wire; Java's int holds
 * its bits.
 */
public record Frame(int streamId, byte type, byte flags, byte[] payload) {
  public static final int HEADER_LENGTH = 10;
  /** ttrpc's messageLengthMax: 4 MiB. */
  public static final int MAX_PAYLOAD = 4 << 20;
  public static final byte TYPE_REQUEST = 1;
  public static final byte TYPE_RESPONSE = 2;
  public static final byte TYPE_DATA = 3;
  public static final byte FLAG_REMOTE_CLOSED = 0x1;
  public static final byte FLAG_REMOTE_OPEN = 0x2;
  public static final byte FLAG_NO_DATA = 0x4;

  public Frame {
    if (payload == null) {
      throw new IllegalArgumentException("payload must not be null (use an empty array)");
    }
    if (payload.length > MAX_PAYLOAD) {
      throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds the"
          + " ttrpc maximum of " + MAX_PAYLOAD);
    }
  }

  public static Frame request(int streamId, byte[] payload) {
    return new Frame(streamId, TYPE_REQUEST, (byte) 0, payload);
  }

  public static Frame response(int streamId, byte[] payload) {
    return new Frame(streamId, TYPE_RESPONSE, (byte) 0, payload);
  }

  /** The stream id as the unsigned number the peer sent. */
  public long unsignedStreamId() {
    return Integer.toUnsignedLong(streamId);
  }

  @Override
  public String toString() {
    return "Frame[stream=" + unsignedStreamId() + ", type=" + type + ", flags=" + flags
        + ", " + payload.length + " bytes]";
  }
}
