package dev.tpb.env;

import dev.tpb.python.PythonVersion;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What an environment directory is, as far as can be told without running it.
 *
 * @param prefix             canonical path of the environment
 * @param kind               conda, venv or standalone
 * @param python             its Python version; {@code micro} is -1 when only major.minor can be told
 * @param baseInterpreter    a venv's base interpreter (from pyvenv.cfg), otherwise the env's own bin/python3
 * @param sitePackages       lib/python3.X/site-packages (may not exist)
 * @param packageCount       installed distributions (conda records, or dist-info/egg-info in site-packages)
 * @param hasActivate        bin/activate exists (Triton refuses an environment without it)
 * @param hasPython3         bin/python3 exists (an embedded interpreter finds its prefix through it)
 * @param systemSitePackages a venv that also sees the base install's site-packages
 * @param userSiteBlocked    tpb's site customisation is present: user site-packages are ignored even when
 *                           nothing sets PYTHONNOUSERSITE
 */
public record EnvInfo(Path prefix, EnvKind kind, PythonVersion python, Optional<Path> baseInterpreter,
                      Path sitePackages, int packageCount, boolean hasActivate, boolean hasPython3,
                      boolean systemSitePackages, boolean userSiteBlocked) {

    /** "lib/python3.10": where the standard library and site-packages live, relative to the prefix. */
    public String libPython() {
        return "lib/python" + python.minorString();
    }
}
