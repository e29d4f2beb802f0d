package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Only the subcommand a call names is built; the help and a mistyped name still see all. */
class MainSubcommandsTest {
  @TempDir Path dir;

  @Test
  void aCallBuildsTheSubcommandItNamesOnly() {
    assertThat(Main.needed("state", "x")).containsExactly(StateCommand.class);
    assertThat(Main.needed("sessions", "--json")).containsExactly(SessionsCommand.class);
    assertThat(Main.needed("--version")).isEmpty();
    assertThat(Main.needed()).isEqualTo(Main.SUBCOMMANDS);
    assertThat(Main.needed("--help")).isEqualTo(Main.SUBCOMMANDS);
    assertThat(Main.needed("help", "state")).isEqualTo(Main.SUBCOMMANDS);
    assertThat(Main.needed("sesions")).isEqualTo(Main.SUBCOMMANDS);
    assertThat(Main.SUBCOMMANDS).contains(CommandLine.HelpCommand.class).hasSize(21);
  }

  @Test
  void theHelpListsEveryCommandAndAMistypedOneIsSuggested() throws Exception {
    CliRun cli = new CliRun(dir);
    CliRun.Result help = cli.katadbg("--help");
    for (Class<?> c : Main.SUBCOMMANDS) {
      assertThat(help.out()).contains("  " + c.getAnnotation(CommandLine.Command.class).name()
          + " ");
    }
    CliRun.Result typo = cli.katadbg("sesions");
    assertThat(typo.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(typo.err()).contains("'sesions'");
    assertThat(cli.katadbg("--version").out()).startsWith("katadbg ");
    assertThat(cli.katadbg("help", "state").out()).startsWith("Usage: katadbg state");
  }
}
