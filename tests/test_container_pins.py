"""One version set: the Containerfile parses, its base image is pinned by digest, it installs the
hash-checked build tools and then the hash-checked lock built against them, and every version it names agrees
with the lock, with pyproject.toml's pins and with what CPU CI installed (this test's own environment, made from
those pins; inside the image, `nox -s container` runs it against the image's). The image is rebuildable and
honest: a code change or a new commit rebuilds only the layers after the wheels, the build context leaves out
environments and outputs, the image runs as an unprivileged user and carries its OCI labels."""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTAINERFILE = ROOT / "Containerfile"
LOCK = ROOT / "requirements" / "gpu.lock.txt"
BUILD_LOCK = ROOT / "requirements" / "build.lock.txt"
INSTRUCTIONS = {"FROM", "ARG", "ENV", "RUN", "COPY", "ADD", "WORKDIR", "LABEL", "ENTRYPOINT", "CMD", "USER",
                "SHELL", "EXPOSE", "VOLUME", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_containerfile(text: str) -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, with continuation lines joined and comments dropped."""
    out, buf = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue  # a comment inside a continued instruction
        buf += " " + line.rstrip("\\").strip() if buf else line.rstrip("\\").strip()
        if not line.endswith("\\"):
            keyword, _, args = buf.partition(" ")
            out.append((keyword.upper(), args.strip()))
            buf = ""
    assert not buf, "the Containerfile ends inside a continued instruction"
    return out


def parse_lock(text: str) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str], list[str]]:
    """(pins, hashes, header fields, input requirements) of requirements/gpu.lock.txt."""
    pins, hashes, header, inputs = {}, {}, {}, []
    current = None
    for line in text.splitlines():
        if line.startswith("#   "):
            inputs.append(line[4:].strip())
        elif line.startswith("# ") and ":" in line:
            key, _, value = line[2:].partition(":")
            header[key.strip()] = value.strip()
        elif m := re.match(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", line):
            current = m[1]
            assert current not in pins, f"{current} pinned twice"
            pins[current], hashes[current] = m[2], []
        elif m := re.match(r"^\s+--hash=sha256:([0-9a-f]{64})", line):
            hashes[current].append(m[1])
    return pins, hashes, header, inputs


@pytest.fixture(scope="module")
def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def lock():
    return parse_lock(LOCK.read_text())


@pytest.fixture(scope="module")
def containerfile():
    return parse_containerfile(CONTAINERFILE.read_text())


def _project_pins(project) -> dict[str, str]:
    reqs = project["dependencies"] + project["optional-dependencies"]["gpu"]
    pins = {}
    for r in reqs:
        m = PIN.match(r)
        assert m, f"pyproject.toml requirement {r!r} is not an exact pin"
        pins[canonical(m[1])] = m[2]
    return pins


def test_containerfile_parses_and_pins_its_base_by_digest(containerfile):
    kinds = [k for k, _ in containerfile]
    assert set(kinds) <= INSTRUCTIONS, set(kinds) - INSTRUCTIONS
    assert kinds[0] in ("ARG", "FROM") and kinds.count("FROM") == 1
    args = {}
    for _kind, a in containerfile[: kinds.index("FROM")]:
        name, _, default = a.partition("=")
        args[name] = default
    image = next(a for k, a in containerfile if k == "FROM")
    while "${" in image:  # an ARG default may name an earlier ARG (BASE_IMAGE names BASE_DIGEST)
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], image)
    assert re.fullmatch(r"\S+/nvidia/cuda:13\.\d+\.\d+-\S+@sha256:[0-9a-f]{64}", image), image
    text = CONTAINERFILE.read_text()
    assert "image inspect --format '{{index .RepoDigests 0}}'" in text  # how to check or refresh the digest


def test_containerfile_installs_the_hash_checked_lock_and_runs_offline(containerfile):
    runs = " && ".join(a for k, a in containerfile if k == "RUN")
    assert "pip install --require-hashes --no-deps -r requirements/gpu.lock.txt" in runs
    assert "pip install --no-deps --no-build-isolation -e ." in runs  # the package adds no unlocked dependency
    assert any(k == "COPY" and "requirements/gpu.lock.txt" in a for k, a in containerfile)
    env = " ".join(a for k, a in containerfile if k == "ENV")
    for setting in ("HF_HUB_OFFLINE=1", "HF_DATASETS_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "HF_HOME=/cache/hf",
                    "REPRO_CONTAINER=1", "REPRO_BASE_IMAGE=${BASE_IMAGE}", "REPRO_GIT_SHA=${GIT_SHA}"):
        assert setting in env, setting
    assert ("ENTRYPOINT", '["repro"]') in containerfile
    text = CONTAINERFILE.read_text()
    for documented in ("podman build", "--shm-size", "--device nvidia.com/gpu=all", "--gpus all",
                       "-v $HOME/.cache/huggingface:/cache/hf", "REPRO_IMAGE_DIGEST"):
        assert documented in text, documented


def test_every_version_the_containerfile_names_matches_the_lock(containerfile, lock, project):
    pins, _, header, _ = lock
    labels = " ".join(a for k, a in containerfile if k == "LABEL")
    named = dict(re.findall(r'repro\.([a-z0-9_-]+)="([^"]+)"', labels))
    assert {"python", "torch", "vllm"} <= set(named)
    for name, version in named.items():
        if name == "python":
            assert version == header["python"]
        else:
            assert pins[canonical(name)] == version, name
    runs = " ".join(a for k, a in containerfile if k == "RUN")
    for name, version in re.findall(r"\b([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][^\s'\"]*)", runs):
        assert pins.get(canonical(name)) == version, f"Containerfile pins {name}=={version}"
    assert f"python{header['python']} -m venv" in runs
    lo, hi = re.fullmatch(r">=(\d+\.\d+),<(\d+\.\d+)", project["requires-python"]).groups()
    as_tuple = lambda v: tuple(map(int, v.split(".")))  # noqa: E731
    assert as_tuple(lo) <= as_tuple(header["python"]) < as_tuple(hi)


def test_lock_is_complete_hashed_and_made_from_the_current_pyproject(lock, project):
    pins, hashes, header, inputs = lock
    assert sorted(project["dependencies"] + project["optional-dependencies"]["gpu"]) == inputs, (
        "pyproject.toml changed since the lock was made: run `python3.11 requirements/lock.py`")
    assert len(pins) > 100 and all(hashes[n] for n in pins), [n for n in pins if not hashes[n]]
    assert header["python"] == "3.11" and "pip" in header["resolver"]
    for name, version in _project_pins(project).items():
        assert pins.get(name) == version, f"{name}: pyproject {version}, lock {pins.get(name)}"
    # The CUDA pieces the image needs come with it (vllm's CUDA 13 build and torch's own libraries).
    assert pins["vllm"] == "0.32.0" and pins["torch"] == "2.13.0"
    assert any(n.startswith("nvidia-") for n in pins) and "triton" in pins


def test_cpu_ci_installs_the_same_versions(lock, project):
    """This environment was installed from pyproject's pins (nox `_install`, .ci/run): each of
    them is the lock's version (torch's CPU wheel differs only in its local '+cpu' label)."""
    pins = lock[0]
    for name in _project_pins(project):
        if name == "vllm":
            continue  # CUDA-only, never installed on CPU machines
        installed = md.version(name).split("+")[0]
        assert installed == pins[name], f"{name}: installed {installed}, lock {pins[name]}"
    nox_torch = re.search(r'TORCH = "torch==([^"]+)"', (ROOT / "noxfile.py").read_text())[1]
    assert nox_torch == pins["torch"]
    assert sys.version_info[:2] >= (3, 11)


def test_build_tools_are_hash_pinned_and_every_sdist_builds_against_them(containerfile, lock):
    tools, hashes, _, _ = parse_lock(BUILD_LOCK.read_text())
    assert set(tools) == {"pip", "setuptools", "wheel"} and all(len(hashes[t]) >= 1 for t in tools)
    assert tools["setuptools"] == lock[0]["setuptools"]  # the wheel layer keeps the version its sdists built with
    runs = [a for k, a in containerfile if k == "RUN"]
    first = next(i for i, a in enumerate(runs) if "-r requirements/build.lock.txt" in a)
    wheels = next(i for i, a in enumerate(runs) if "-r requirements/gpu.lock.txt" in a)
    assert first < wheels and "--require-hashes" in runs[first]
    assert "--no-build-isolation" in runs[wheels]  # no build pulls an unpinned setuptools from PyPI


def test_a_code_change_or_a_new_commit_rebuilds_only_the_layers_after_the_wheels(containerfile):
    kinds = [(k, a) for k, a in containerfile]
    wheels = next(i for i, (k, a) in enumerate(kinds) if k == "RUN" and "requirements/gpu.lock.txt" in a)
    code = next(i for i, (k, a) in enumerate(kinds) if k == "COPY" and a.startswith("repro "))
    git = [i for i, (k, a) in enumerate(kinds) if k == "ARG" and a.split("=")[0] in ("GIT_SHA", "GIT_DIRTY")]
    assert len(git) == 2 and wheels < code < min(git)
    assert all(not (k == "COPY" and (". " in a or a.startswith(". "))) for k, a in kinds)  # no whole-context copy
    ignored = (ROOT / ".containerignore").read_text().split()
    for entry in (".git", ".nox", ".venv", "artifacts", "paper_figures/*", "!paper_figures/claims.toml"):
        assert entry in ignored, entry


def test_the_image_runs_unprivileged_and_carries_its_labels(containerfile, project):
    users = [a for k, a in containerfile if k == "USER"]
    assert users and users[-1] not in ("root", "0") and containerfile[-1][0] in ("CMD", "ENTRYPOINT")
    args = {a.split("=")[0] for k, a in containerfile if k == "ARG"}
    assert {"UID", "GID"} <= args  # --build-arg UID=$(id -u) GID=$(id -g) matches the host user
    labels = " ".join(a for k, a in containerfile if k == "LABEL")
    found = dict(re.findall(r'org\.opencontainers\.image\.([a-z.]+)="([^"]*)"', labels))
    assert found["version"] == project["version"] and found["licenses"] == project["license"]["text"]
    assert found["revision"] == "${GIT_SHA}" and found["source"] == "${SOURCE_URL}"
    assert found["base.name"] == "${BASE_IMAGE}" and found["base.digest"] == "${BASE_DIGEST}"
