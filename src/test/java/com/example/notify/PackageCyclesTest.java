package com.example.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The bundle's packages depend on each other without loops: jdeps (the JDK's own, no library) lists which
 * package uses which in the compiled main classes, and every strongly connected group of more than one
 * package is a cycle. A class that needs a type of a package that already depends on its own moves the type
 * down (as {@code event.Contact}, {@code event.EmailSyntax}) or itself up (as {@code deadletter}).
 */
class PackageCyclesTest {

    private static final String ROOT = "com.example.notify";
    private static final Pattern EDGE = Pattern.compile("^\\s+(" + Pattern.quote(ROOT) + "[\\w.]*)\\s+->\\s+(" + Pattern.quote(ROOT) + "[\\w.]*)\\s");

    @Test
    void theMainPackagesHaveNoCycles() {
        Map<String, Set<String>> graph = packageGraph(Path.of("target", "classes"));

        // jdeps saw the bundle: most packages use another of ours (else this test could not fail)
        assertThat(graph.size()).isGreaterThan(15);
        assertThat(graph.get(ROOT + ".deadletter")).contains(ROOT + ".event", ROOT + ".failure");
        assertThat(cycles(graph)).as("package cycles (each a group of packages that reach each other)").isEmpty();
    }

    @Test
    void theCycleFinderFindsLoopsOfAnyLength() {
        Map<String, Set<String>> graph = new HashMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c", "d"));
        graph.put("c", Set.of("a"));
        graph.put("d", Set.of("e"));
        graph.put("e", Set.of("d"));
        graph.put("f", Set.of("a"));

        assertThat(cycles(graph)).containsExactlyInAnyOrder(Set.of("a", "b", "c"), Set.of("d", "e"));
        assertThat(cycles(Map.of("a", Set.of("b"), "b", Set.of()))).isEmpty();
    }

    /** Package to the packages of ours it uses (not itself), from jdeps -verbose:package. */
    static Map<String, Set<String>> packageGraph(Path classes) {
        assertThat(Files.isDirectory(classes)).as("compiled classes at " + classes).isTrue();
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("jdeps not in this JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err),
                "--multi-release", "17", "-verbose:package", "-e", Pattern.quote(ROOT) + "(\\..*)?", classes.toString());
        assertThat(rc).as("jdeps: " + err).isZero();
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\\R")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) {
                graph.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        return graph;
    }

    /** The strongly connected groups of more than one node (Tarjan's algorithm, iterative enough for ~30 nodes). */
    static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> found = new ArrayList<>();
        for (String node : new TreeSet<>(graph.keySet())) {
            if (!index.containsKey(node)) {
                connect(node, graph, index, low, stack, found);
            }
        }
        return found;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, List<Set<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> group = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                group.add(w);
            } while (!w.equals(v));
            if (group.size() > 1) {
                found.add(group);
            }
        }
    }
}
