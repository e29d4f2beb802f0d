package dev.katadbg.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.elf.GoBuildInfo;
import dev.katadbg.elf.GoModule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VsCodeLaunchTest {
  @Test
  void theConfigurationIsARemoteDlvDapAttachWithSubstitutePath() {
    JsonObject c = VsCodeLaunch.configuration("katadbg pod1", "127.0.0.1:40121",
        Optional.of("/build/src"), "/home/me/src");
    assertThat(c.toString()).isEqualTo("{\"name\":\"katadbg pod1\",\"type\":\"go\","
        + "\"request\":\"attach\",\"mode\":\"remote\",\"debugAdapter\":\"dlv-dap\","
        + "\"host\":\"127.0.0.1\",\"port\":40121,"
        + "\"substitutePath\":[{\"from\":\"/home/me/src\",\"to\":\"/build/src\"}]}");
  }

  @Test
  void aUnixSocketSessionCannotBeUsedByVsCode() {
    assertThatThrownBy(() -> VsCodeLaunch.configuration("x", "unix:/run/k/dlv.sock",
        Optional.empty(), VsCodeLaunch.WORKSPACE)).isInstanceOf(ControlException.class)
        .hasMessageContaining("needs host:port");
  }

  @Test
  void theBuildPathComesFromTheModuleRootOrTheGopath() {
    GoBuildInfo mod = new GoBuildInfo("go1.22", "github.com/kata-containers/kata-containers/src"
        + "/runtime/cmd/containerd-shim-kata-v2", Optional.of(new GoModule(
        "github.com/kata-containers/kata-containers/src/runtime", "(devel)", "")), List.of(),
        Map.of());
    String root = VsCodeLaunch.sourceRoot(mod);
    assertThat(root).isEqualTo("github.com/kata-containers/kata-containers/src/runtime");
    assertThat(VsCodeLaunch.buildPath(List.of("/usr/lib/go/src/runtime/proc.go",
        "/b/kata/src/github.com/kata-containers/kata-containers/src/runtime/virtcontainers/x.go"),
        root)).contains("/b/kata/src/github.com/kata-containers/kata-containers/src/runtime");
    assertThat(VsCodeLaunch.gopathSrc(List.of("/usr/lib/go-1.24/src/runtime/proc.go",
        "/usr/lib/go-1.24/src/net/http/server.go",
        "/usr/share/gocode/src/github.com/containerd/containerd/runtime/v2/runc/task/service.go",
        "/usr/share/gocode/src/github.com/containerd/ttrpc/server.go",
        "/build/shimsrc/main.go"))).contains("/usr/share/gocode/src");
  }

  @Test
  void mergingKeepsOtherEntriesAndReplacesTheSameName() {
    String existing = "{\n  // mine\n  \"version\": \"0.2.0\",\n  \"configurations\": [\n"
        + "    {\"name\": \"other\", \"type\": \"go\"},\n"
        + "    {\"name\": \"katadbg pod1\", \"port\": 1}\n  ]\n}\n";
    JsonObject c = VsCodeLaunch.configuration("katadbg pod1", "127.0.0.1:2", Optional.empty(),
        VsCodeLaunch.WORKSPACE);
    JsonObject merged = JsonParser.parseString(VsCodeLaunch.merge(Optional.of(existing), c))
        .getAsJsonObject();
    assertThat(merged.get("version").getAsString()).isEqualTo("0.2.0");
    assertThat(merged.getAsJsonArray("configurations")).hasSize(2);
    assertThat(merged.getAsJsonArray("configurations").get(0).getAsJsonObject().get("name")
        .getAsString()).isEqualTo("other");
    assertThat(merged.getAsJsonArray("configurations").get(1)).isEqualTo(c);
    JsonObject fresh = JsonParser.parseString(VsCodeLaunch.merge(Optional.empty(), c))
        .getAsJsonObject();
    assertThat(fresh.getAsJsonArray("configurations")).containsExactly(c);
  }
}
