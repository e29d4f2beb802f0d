package dev.katadbg.manager;

/** The Kubernetes RuntimeClass that sends pods with {@code runtimeClassName: NAME} to the handler. */
public final class RuntimeClassManifest {
  private RuntimeClassManifest() {}

  /**
   * {@code node.k8s.io/v1} RuntimeClass YAML. Both names are DNS labels (checked by
   * {@link RuntimeClassRequest}), so they need no quoting.
   */
  public static String yaml(String className, String handler) {
    RuntimeClassRequest.of(className);
    RuntimeClassRequest.of(handler);
    return "apiVersion: node.k8s.io/v1\n"
        + "kind: RuntimeClass\n"
        + "metadata:\n"
        + "  name: " + className + "\n"
        + "handler: " + handler + "\n";
  }
}
