package dev.tpb.env;

import dev.tpb.Reporter;
import dev.tpb.TpbException;
import dev.tpb.python.PythonInstall;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * {@code pack-env --python 3.10 -r requirements.txt}: a fresh venv from the chosen interpreter, filled by pip
 * with {@code PYTHONNOUSERSITE=True} (so nothing counts as installed because it sits in ~/.local). pip keeps
 * the machine's own configuration; {@code --index-url} and {@code --find-links} are passed on.
 */
public final class VenvBuilder {
    private VenvBuilder() {
    }

    public static Path create(PythonInstall python, Path venv, List<Path> requirements, String indexUrl,
                              List<String> findLinks, Reporter reporter) {
        reporter.info("creating a venv with Python " + python.version() + " (" + python.executable() + ")");
        run(List.of(python.executable().toString(), "-m", "venv", venv.toString()), "creating the venv", reporter);
        if (requirements.isEmpty()) {
            return venv;
        }
        List<String> pip = new ArrayList<>(List.of(venv.resolve("bin/python").toString(), "-m", "pip", "install",
                "--disable-pip-version-check", "--no-input"));
        for (Path r : requirements) {
            pip.add("-r");
            pip.add(r.toAbsolutePath().toString());
        }
        if (indexUrl != null) {
            pip.add("--index-url");
            pip.add(indexUrl);
        }
        for (String f : findLinks) {
            pip.add("--find-links");
            pip.add(f);
        }
        reporter.info("installing " + String.join(", ", requirements.stream().map(Path::toString).toList())
                + " with pip");
        run(pip, "pip install", reporter);
        return venv;
    }

    private static void run(List<String> command, String what, Reporter reporter) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONNOUSERSITE", "True");
        pb.environment().remove("PYTHONHOME");
        pb.environment().remove("PYTHONPATH");
        pb.environment().remove("VIRTUAL_ENV");
        Deque<String> last = new ArrayDeque<>();
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    reporter.debug(line);
                    last.addLast(line);
                    if (last.size() > 25) {
                        last.removeFirst();
                    }
                }
            }
            int status = p.waitFor();
            if (status != 0) {
                throw new TpbException(what + " failed (exit " + status + "):\n" + String.join("\n", last));
            }
        } catch (IOException e) {
            throw new TpbException(what + ": cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpbException(what + " was interrupted");
        }
    }
}
