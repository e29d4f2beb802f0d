package dev.katadbg.gdb;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A value in gdb's machine interface output: a string, a tuple or a list. */
public sealed interface MiValue permits MiValue.Text, MiValue.Tuple, MiValue.Items {

  /** A C string, unescaped. */
  record Text(String value) implements MiValue {
    public Text {
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * {@code {name=value,...}}, in order. A name may repeat (gdb writes {@code bkpt=...} twice
   * for a breakpoint with two locations); {@link #get} returns the first.
   */
  record Tuple(List<Map.Entry<String, MiValue>> fields) implements MiValue {
    public static final Tuple EMPTY = new Tuple(List.of());

    public Tuple {
      fields = List.copyOf(fields);
    }

    public Optional<MiValue> get(String name) {
      return fields.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue)
          .findFirst();
    }

    /** A string field, or empty when it is missing or not a string. */
    public Optional<String> text(String name) {
      return get(name).filter(Text.class::isInstance).map(v -> ((Text) v).value());
    }

    public Optional<Tuple> tuple(String name) {
      return get(name).filter(Tuple.class::isInstance).map(Tuple.class::cast);
    }

    /** A list field's items; an empty list when missing. */
    public List<MiValue> items(String name) {
      return get(name).filter(Items.class::isInstance).map(v -> ((Items) v).values())
          .orElse(List.of());
    }
  }

  /**
   * {@code [value,...]} or {@code [name=value,...]}; for the second the names are dropped (gdb
   * repeats one name, e.g. {@code frame}, for every item).
   */
  record Items(List<MiValue> values) implements MiValue {
    public Items {
      values = List.copyOf(values);
    }
  }
}
