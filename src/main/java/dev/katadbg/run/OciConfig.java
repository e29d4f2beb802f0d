package dev.katadbg.run;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * An OCI runtime config.json for a command in a rootfs: the defaults containerd's
 * {@code oci.populateDefaultUnixSpec} gives {@code ctr run} (mounts, namespaces, capabilities,
 * masked paths), with or without a terminal.
 */
final class OciConfig {
  private static final List<String> CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE",
      "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
      "CAP_AUDIT_WRITE");

  private OciConfig() {}

  static String json(Path rootfs, List<String> command, String namespace, String id,
      boolean terminal) {
    JsonObject spec = new JsonObject();
    spec.addProperty("ociVersion", "1.0.2");
    JsonObject process = new JsonObject();
    process.addProperty("terminal", terminal);
    JsonObject user = new JsonObject();
    user.addProperty("uid", 0);
    user.addProperty("gid", 0);
    process.add("user", user);
    process.add("args", strings(command));
    process.add("env", strings(List.of(
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")));
    process.addProperty("cwd", "/");
    JsonObject caps = new JsonObject();
    for (String set : List.of("bounding", "effective", "permitted")) {
      caps.add(set, strings(CAPS));
    }
    process.add("capabilities", caps);
    JsonObject nofile = new JsonObject();
    nofile.addProperty("type", "RLIMIT_NOFILE");
    nofile.addProperty("hard", 1024);
    nofile.addProperty("soft", 1024);
    JsonArray rlimits = new JsonArray();
    rlimits.add(nofile);
    process.add("rlimits", rlimits);
    process.addProperty("noNewPrivileges", true);
    spec.add("process", process);
    JsonObject root = new JsonObject();
    root.addProperty("path", rootfs.toString());
    root.addProperty("readonly", false);
    spec.add("root", root);
    spec.addProperty("hostname", id);
    JsonArray mounts = new JsonArray();
    mounts.add(mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"));
    mounts.add(mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755",
        "size=65536k"));
    mounts.add(mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance",
        "ptmxmode=0666", "mode=0620", "gid=5"));
    mounts.add(mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777",
        "size=65536k"));
    mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"));
    mounts.add(mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"));
    mounts.add(mount("/run", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755",
        "size=65536k"));
    spec.add("mounts", mounts);
    JsonObject linux = new JsonObject();
    JsonObject resources = new JsonObject();
    JsonArray devices = new JsonArray();
    JsonObject deny = new JsonObject();
    deny.addProperty("allow", false);
    deny.addProperty("access", "rwm");
    devices.add(deny);
    resources.add("devices", devices);
    linux.add("resources", resources);
    linux.addProperty("cgroupsPath", "/" + namespace + "/" + id);
    JsonArray nss = new JsonArray();
    for (String t : List.of("pid", "ipc", "uts", "mount", "network")) {
      JsonObject n = new JsonObject();
      n.addProperty("type", t);
      nss.add(n);
    }
    linux.add("namespaces", nss);
    linux.add("maskedPaths", strings(List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
        "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/sys/firmware", "/proc/scsi")));
    linux.add("readonlyPaths", strings(List.of("/proc/bus", "/proc/fs", "/proc/irq",
        "/proc/sys", "/proc/sysrq-trigger")));
    spec.add("linux", linux);
    return new GsonBuilder().setPrettyPrinting().create().toJson(spec) + "\n";
  }

  private static JsonObject mount(String dest, String type, String source, String... options) {
    JsonObject m = new JsonObject();
    m.addProperty("destination", dest);
    m.addProperty("type", type);
    m.addProperty("source", source);
    m.add("options", strings(List.of(options)));
    return m;
  }

  private static JsonArray strings(List<String> l) {
    JsonArray a = new JsonArray();
    l.forEach(a::add);
    return a;
  }
}
