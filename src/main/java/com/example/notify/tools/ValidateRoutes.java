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
 * Then {@link TemplateChecks}: every template of every locale renders against the example events and a generated
 * event with every parameter the template uses. Prints one line per problem ({@code file:line: message}); exit code 1 when there is any.
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
        files.forEach(checks::declareComponents);
        for (Path file : files) {
            problems.addAll(checks.check(file, profiles));
        }
        System.err.println(files.size() + " route files, profiles " + profiles.keySet() + ": "
                + (problems.isEmpty() ? "OK" : problems.size() + " problem(s)"));
        List<RouteChecks.Problem> templateProblems = templateProblems(dir, profiles);
        problems.addAll(templateProblems);
        return problems;
    }

    /** {@link TemplateChecks} over each profile's templates folder, against examples/events/ of the config dir. */
    static List<RouteChecks.Problem> templateProblems(Path dir, Map<String, Properties> profiles) throws Exception {
        java.util.Set<String> folders = new java.util.TreeSet<>();
        java.util.Set<String> locales = new java.util.TreeSet<>();
        for (Properties p : profiles.values()) {
            String folder = p.getProperty("notify.email.templates-dir", "templates").strip();
            folders.add(folder.contains("{{") ? "templates" : folder);
            String locale = p.getProperty("notify.email.default-locale", "en").strip();
            locales.add(locale.contains("{{") ? "en" : locale);
        }
        List<RouteChecks.Problem> problems = new ArrayList<>();
        int templates = 0;
        for (String folder : folders) {
            for (String locale : locales) {
                TemplateChecks checks = new TemplateChecks(dir.resolve(folder), locale);
                templates = Math.max(templates, checks.templateNames().size());
                for (String problem : checks.check(dir.resolve("examples/events"))) {
                    problems.add(new RouteChecks.Problem(problem.substring(0, problem.indexOf(": ")), 1,
                            problem.substring(problem.indexOf(": ") + 2)));
                }
            }
        }
        problems = new ArrayList<>(new java.util.LinkedHashSet<>(problems));
        System.err.println(templates + " templates in " + folders + ", every locale, against examples/events and a generated event: "
                + (problems.isEmpty() ? "OK" : problems.size() + " problem(s)"));
        return problems;
    }
}
