package dev.reason4j.reward.code;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.reason4j.reward.code.SandboxTestSupport.LIMITS;
import static dev.reason4j.reward.code.SandboxTestSupport.io;
import static dev.reason4j.reward.code.SandboxTestSupport.python;
import static dev.reason4j.reward.code.SandboxTestSupport.runner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeRunnerTest {
    private static List<String> labels(Verdict verdict) {
        return verdict.statusLabels();
    }

    @Test
    void pythonStdioTests() throws Exception {
        String code = """
                a, b = map(int, input().split())
                if a < 0:
                    raise ValueError("negative")
                print(a + b, "  ")
                print()
                """;
        Verdict verdict = python(code, io("1 2\n", "3"), io("2 2", "5\n"), io("-1 2", "1"), io("40 2", "42\n\n\n"));
        assertEquals(List.of("passed", "wrong_answer", "runtime_error", "passed"), labels(verdict));
        assertEquals(2, verdict.passed());
        assertEquals(0.0, verdict.reward(true));
        assertEquals(0.5, verdict.reward(false));
        assertTrue(verdict.outcomes().get(2).detail().contains("ValueError: negative"),
                verdict.outcomes().get(2).detail());
    }

    @Test
    void pythonSyntaxErrorIsACompileError() throws Exception {
        Verdict verdict = python("def f(:\n    pass\n", io("", ""), io("", ""));
        assertEquals(List.of("compile_error", "compile_error"), labels(verdict));
        // A SyntaxError raised while running (by exec of bad text) is the program's runtime error.
        assertEquals(List.of("runtime_error"), labels(python("exec('1 +')\n", io("", ""))));
    }

    @Test
    void pythonAssertTests() throws Exception {
        String code = "def add(a, b):\n    return a + b\n";
        Verdict verdict = python(code, new TestCase.Assert("assert add(1, 2) == 3"),
                new TestCase.Assert("assert add(1, 2) == 4, 'off by one'"),
                new TestCase.Assert("assert add(1) == 1"),
                new TestCase.Assert("import sys\nsys.exit(3)"));
        assertEquals(List.of("passed", "wrong_answer", "runtime_error", "runtime_error"), labels(verdict));
    }

    @Test
    void exitStatusAndMainModuleBehaveAsInAPlainRun() throws Exception {
        Verdict verdict = python("""
                import pickle, sys, typing
                from dataclasses import dataclass

                @dataclass
                class Point:
                    x: "int"

                if __name__ == "__main__":
                    assert pickle.loads(pickle.dumps(Point(1))) == Point(1)
                    assert typing.get_type_hints(Point) == {"x": int}
                    print(sys.argv[0].endswith(".py"), input())
                    sys.exit(0)
                """, io("héllo", "True héllo"));
        assertEquals(List.of("passed"), labels(verdict));
    }

    @Test
    void javaStdioAssertAndCompileErrors() throws Exception {
        String program = """
                import java.util.*;
                public class Solution {
                    public static void main(String[] args) {
                        Scanner in = new Scanner(System.in);
                        int n = in.nextInt();
                        if (n < 0) throw new IllegalArgumentException("negative");
                        if (n == 7) { long[] hog = new long[1 << 28]; System.out.println(hog.length); }
                        if (n == 8) while (true) {}
                        System.out.println(2 * n);
                    }
                    static int twice(int n) { return 2 * n; }
                }
                """;
        // A JVM takes a good part of a second to start, and longer on a loaded machine: the tests that must finish
        // get a JVM-sized wall limit, so their verdicts never depend on the machine's speed. The endless loop gets
        // the short one, which it exceeds on any machine.
        SandboxLimits jvmSized = LIMITS.withTimeout(20);
        Verdict verdict = runner().run(Language.JAVA, program, List.of(io("21", "42"), io("1", "3"), io("-1", "0"),
                io("7", ""),
                new TestCase.Assert("public class Main { public static void main(String[] a) { assert Solution.twice(2) == 4; } }"),
                new TestCase.Assert("public class Main { public static void main(String[] a) { assert Solution.twice(2) == 5; } }")),
                jvmSized);
        assertEquals(List.of("passed", "wrong_answer", "runtime_error", "memory_limit_exceeded", "passed",
                "wrong_answer"), labels(verdict), verdict.toString());
        Verdict endless = runner().run(Language.JAVA, program, List.of(io("8", "")), LIMITS);
        assertEquals(List.of("time_limit_exceeded"), labels(endless), endless.toString());

        Verdict broken = runner().run(Language.JAVA, "public class Main { void f() { int x = ; } }",
                List.of(io("", ""), io("", "")), jvmSized);
        assertEquals(List.of("compile_error", "compile_error"), labels(broken));
        assertTrue(broken.outcomes().getFirst().detail().contains("Main.java"), broken.outcomes().getFirst().detail());

        Verdict packaged = runner().run(Language.JAVA, "package app.solution;\npublic class Main { public static void "
                + "main(String[] a) { System.out.println(\"in a package\"); } }", List.of(io("", "in a package")),
                jvmSized);
        assertEquals(List.of("passed"), labels(packaged), packaged.toString());
    }

    @Test
    void unsafeModeRunsWithoutASandboxAndSaysSo() throws Exception {
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            CodeRunner unsafe = new CodeRunner(new UnsandboxedRunner(), CodeRunner.DEFAULT_PYTHON,
                    CodeRunner.DEFAULT_JAVA_HOME, 30);
            Verdict verdict = unsafe.run(Language.PYTHON, "print(input()[::-1])", List.of(io("abc", "cba"),
                    io("", "")), LIMITS);
            assertEquals(List.of("passed", "runtime_error"), labels(verdict));
        } finally {
            System.setErr(stderr);
        }
        String printed = warnings.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(2, printed.split("WITHOUT a sandbox", -1).length - 1, "one warning per run: " + printed);
    }
}
