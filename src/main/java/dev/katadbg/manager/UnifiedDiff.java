package dev.katadbg.manager;

import java.util.ArrayList;
import java.util.List;

/** A unified diff ({@code diff -u} format, 3 lines of context) of two texts, line by line. */
public final class UnifiedDiff {
  private static final int CONTEXT = 3;

  private UnifiedDiff() {}

  /** Empty when the texts are equal. Config files are small: a plain LCS table is enough. */
  public static String diff(String fromName, String toName, String from, String to) {
    if (from.equals(to)) {
      return "";
    }
    List<String> a = lines(from);
    List<String> b = lines(to);
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    // The edit script: ' ', '-', '+' with the line, and each line's position in a and b.
    List<char[]> ops = new ArrayList<>();
    List<String> text = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        ops.add(new char[] {' '});
        text.add(a.get(i));
        i++;
        j++;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        // Removals before additions, as diff -u prints a changed line.
        ops.add(new char[] {'-'});
        text.add(a.get(i));
        i++;
      } else {
        ops.add(new char[] {'+'});
        text.add(b.get(j));
        j++;
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(fromName).append('\n').append("+++ ").append(toName).append('\n');
    int k = 0;
    int lineA = 0;
    int lineB = 0;
    while (k < ops.size()) {
      if (ops.get(k)[0] == ' ') {
        k++;
        lineA++;
        lineB++;
        continue;
      }
      // A hunk: back up CONTEXT lines, run until CONTEXT*2 unchanged lines follow a change.
      int start = Math.max(0, k - CONTEXT);
      int startA = lineA - (k - start);
      int startB = lineB - (k - start);
      int end = k;
      int lastChange = k;
      while (end < ops.size() && end - lastChange <= CONTEXT * 2) {
        if (ops.get(end)[0] != ' ') {
          lastChange = end;
        }
        end++;
      }
      end = Math.min(ops.size(), lastChange + CONTEXT + 1);
      int countA = 0;
      int countB = 0;
      StringBuilder body = new StringBuilder();
      for (int x = start; x < end; x++) {
        char op = ops.get(x)[0];
        if (op != '+') {
          countA++;
        }
        if (op != '-') {
          countB++;
        }
        body.append(op).append(text.get(x)).append('\n');
      }
      out.append("@@ -").append(range(startA, countA)).append(" +").append(range(startB, countB)).append(" @@\n")
          .append(body);
      for (int x = k; x < end; x++) {
        char op = ops.get(x)[0];
        if (op != '+') {
          lineA++;
        }
        if (op != '-') {
          lineB++;
        }
      }
      k = end;
    }
    return out.toString();
  }

  private static String range(int start, int count) {
    return count == 0 ? start + ",0" : (start + 1) + "," + count;
  }

  /** Lines without their terminators; a CR before LF is shown as part of the line's text. */
  private static List<String> lines(String s) {
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int at = s.indexOf('\n'); at >= 0; at = s.indexOf('\n', from)) {
      out.add(s.substring(from, at));
      from = at + 1;
    }
    if (from < s.length()) {
      out.add(s.substring(from));
    }
    return out;
  }
}
