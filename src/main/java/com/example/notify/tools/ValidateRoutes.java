package com.example.notify.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code bin/validate-routes [config-dir]}: runs {@link RouteChecks} over {@code routes/*.camel.yaml} of the
 * config directory (default: the working directory) for every profile found beside application.properties.
 * Prints one line per problem ({@code file:line: message}); exit code 1 when there is any.
 */
public final class ValidateRoutes {

    private ValidateRoutes() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        List<RouteChecks.Problem> problems = run(dir);
        problems.forEach(System.out::println);
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    public static List<RouteChecks.Problem> run(Path dir) throws Exception {
        Map<String, Properties> profiles = RouteChecks.profiles(dir);
        RouteChecks checks = new RouteChecks();
        List<RouteChecks.Problem> problems = new ArrayList<>();
        List<Path> files;
        try (var stream = Files.newDirectoryStream(dir.resolve("routes"), "*.camel.yaml")) {
            files = new ArrayList<>();
            stream.forEach(files::add);
        }
        files.sort(null);
        for (Path file : files) {
            problems.addAll(checks.check(file, profiles));
        }
        System.err.println(files.size() + " route files, profiles " + profiles.keySet() + ": "
                + (problems.isEmpty() ? "OK" : problems.size() + " problem(s)"));
        return problems;
    }
}
