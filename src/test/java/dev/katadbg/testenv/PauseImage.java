package dev.katadbg.testenv;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A pause image made here, since no registry is reachable: a static {@code pause} built with
 * gcc, in a single-layer OCI image layout tar that {@code ctr images import} names through the
 * index annotation {@code io.containerd.image.name}.
 */
public final class PauseImage {
  private static final String PAUSE_C = """
      #include <signal.h>
      #include <unistd.h>
      static void done(int sig) { (void) sig; _exit(0); }
      int main(void) {
        signal(SIGTERM, done);
        signal(SIGINT, done);
        for (;;) pause();
      }
      """;

  private PauseImage() {}

  /** Builds the image tar in {@code dir} and returns its path. */
  public static Path build(Path dir, String name) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path source = dir.resolve("pause.c");
    Path binary = dir.resolve("pause");
    Files.writeString(source, PAUSE_C);
    Process gcc = new ProcessBuilder("gcc", "-static", "-Os", "-o", binary.toString(), source.toString())
        .redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
      throw new IOException("gcc -static pause.c failed: " + out);
    }

    byte[] layer = tar(Map.of("pause", Files.readAllBytes(binary)), 0755);
    String layerDigest = sha256(layer);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/pause\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}").getBytes(StandardCharsets.UTF_8);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":" + descriptor("application/vnd.oci.image.config.v1+json", config) + ","
        + "\"layers\":[" + descriptor("application/vnd.oci.image.layer.v1.tar", layer) + "]}")
        .getBytes(StandardCharsets.UTF_8);
    String tag = name.substring(name.lastIndexOf(':') + 1);
    byte[] index = ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"digest\":\"" + sha256(manifest) + "\",\"size\":" + manifest.length + ","
        + "\"annotations\":{\"io.containerd.image.name\":\"" + name + "\",\"org.opencontainers.image.ref.name\":\""
        + tag + "\"}}]}").getBytes(StandardCharsets.UTF_8);

    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    files.put("index.json", index);
    files.put(blob(layer), layer);
    files.put(blob(config), config);
    files.put(blob(manifest), manifest);
    Path image = dir.resolve("pause-image.tar");
    Files.write(image, tar(files, 0644));
    return image;
  }

  private static String descriptor(String mediaType, byte[] content) {
    return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + sha256(content) + "\",\"size\":" + content.length + "}";
  }

  private static String blob(byte[] content) {
    return "blobs/sha256/" + sha256(content).substring("sha256:".length());
  }

  /** A ustar archive of regular files (parent directories implied, as tar readers accept). */
  static byte[] tar(Map<String, byte[]> files, int mode) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      byte[] header = new byte[512];
      put(header, 0, 100, f.getKey());
      put(header, 100, 8, String.format("%07o", mode));
      put(header, 108, 8, "0000000");
      put(header, 116, 8, "0000000");
      put(header, 124, 12, String.format("%011o", f.getValue().length));
      put(header, 136, 12, String.format("%011o", 0));
      for (int i = 148; i < 156; i++) {
        header[i] = ' ';
      }
      header[156] = '0';
      put(header, 257, 6, "ustar");
      put(header, 263, 2, "00");
      int sum = 0;
      for (byte b : header) {
        sum += b & 0xff;
      }
      put(header, 148, 8, String.format("%06o", sum));
      header[154] = 0;
      header[155] = ' ';
      out.write(header);
      out.write(f.getValue());
      out.write(new byte[(512 - f.getValue().length % 512) % 512]);
    }
    out.write(new byte[1024]);
    return out.toByteArray();
  }

  private static void put(byte[] header, int at, int len, String value) {
    byte[] b = value.getBytes(StandardCharsets.US_ASCII);
    if (b.length > len) {
      throw new IllegalArgumentException("tar field too long: " + value);
    }
    System.arraycopy(b, 0, header, at, b.length);
  }

  private static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
