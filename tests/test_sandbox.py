"""The execution sandbox (repro/evaluate/SANDBOX.md) against hostile programs.

Every hostile program carries its own hard cap (at most 272 processes, 1 GiB written, 8 GiB
*reserved* but never touched, no signal as root outside a pid namespace), so that a sandbox
failure shows up as a failed test, not as a damaged shared machine. Each hostile program computes
the right answer after its attack: if the attack is not stopped, the sample passes and the test
fails. Timings are printed, not asserted."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest

from repro.evaluate.code import load_problems, score_code
from repro.evaluate.sandbox import Job, Limits, probe, run_jobs
from repro.specs import DatasetSpec

FIXTURE = DatasetSpec(name="humanevalplus_smoke", revision="fixture", split="test", source="fixture",
                      path="humanevalplus_smoke.jsonl")
ANSWER = "    while n >= 10:\n        n = sum(int(d) for d in str(n))\n    return n\n"


def program(attack: str) -> str:
    """digit_root with an attack run on every call, before the right answer."""
    body = "\n".join("    " + line for line in attack.strip("\n").splitlines())
    return f"def digit_root(n):\n{body}\n{ANSWER}"


def answer(code: str) -> str:
    return f"<think>\nplan\n</think>\n```python\n{code}```\n"


FORK_BOMB = """
import posix, time
level = 0
for _ in range(16):  # cap: 16 + 16 * 16 processes if nothing stops it
    try:
        pid = posix.fork()
    except OSError:
        if level:
            posix._exit(0)
        raise
    if pid == 0:
        level += 1
        if level >= 2:
            time.sleep(60)
            posix._exit(0)
if level:
    time.sleep(60)
    posix._exit(0)
"""
ALARM_PROOF_LOOP = """
import signal
signal.setitimer(signal.ITIMER_REAL, 0)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    pass
"""
PLAIN_LOOP = "while True:\n    pass"
ALLOCATE_8GB = "x = bytearray(8 * 1024 ** 3)"  # reserved, never touched: harmless if the limit fails
NETWORK = """
import _socket
s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
s.settimeout(2)
s.connect(("1.1.1.1", 53))
s.close()
"""
KILL_PARENT = """
import posix
if posix.getuid() != 0 or posix.getpid() == 1:  # never as root outside a pid namespace
    posix.kill(posix.getppid(), 9)
raise RuntimeError("kill(ppid) done")  # a failed sample either way; the rest of the batch must not notice
"""
KILL_ALL = """
import posix, time
if posix.getpid() != 1 or posix.getuid() == 0:
    raise RuntimeError("kill(-1) is only tried inside a pid namespace, as a non-root uid")
child = posix.fork()
if child == 0:
    time.sleep(60)
    posix._exit(0)
posix.kill(-1, 9)
posix.waitpid(child, 0)
raise RuntimeError("kill(-1) done")  # a failed sample either way; the rest of the batch must not notice
"""
HUGE_FILE = """
import _io
with _io.open("big.bin", "wb") as f:
    for _ in range(1024):  # cap: 1 GiB
        f.write(b"x" * (1 << 20))
"""
MANY_FILES = """
import _io
for i in range(128):  # cap: 128 x 8 MiB = 1 GiB
    with _io.open(f"part{i}.bin", "wb") as f:
        f.write(b"x" * (8 << 20))
"""
JUNK_ON_EVERY_FD = """
import posix
for fd in range(3, 40):
    try:
        posix.write(fd, b"}{ not a verdict")
    except OSError:
        pass
"""

MALFORMED_VERDICT = """
import posix
for fd in range(3, 40):
    try:
        posix.write(fd, b'{"stat": [0], "details": "all"}')
    except OSError:
        pass
posix._exit(0)
"""
DEEP_JSON = """
import posix
for fd in range(3, 40):
    try:
        posix.write(fd, b"[" * 200000)
    except OSError:
        pass
posix._exit(0)
"""


def write_outside(target: str) -> str:
    return f"import _io\nwith _io.open({target!r}, 'w') as f:\n    f.write('escaped')\n"


NEEDS_NAMESPACES = {"network", "write_tmp", "kill_all", "many_files"}


@pytest.fixture(scope="module")
def isolation():
    t0 = time.perf_counter()
    report = probe()
    print(f"\nsandbox probe ({time.perf_counter() - t0:.2f} s): {report}")
    return report


@pytest.fixture
def open_dir():
    """A world-writable directory outside the sandbox: only the sandbox can stop writes to it."""
    d = tempfile.mkdtemp(prefix="repro-sandbox-target-", dir="/tmp")
    os.chmod(d, 0o777)
    yield d
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)


def sandbox_processes(uids: set[int]) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid in uids:
                    found.append(int(entry))
            except FileNotFoundError:
                pass
    return found


def test_probe_reports_the_isolation(isolation):
    assert isolation["isolation"] in ("userns", "rootns", "rlimits", "rlimits_root")
    namespaced = not isolation["isolation"].startswith("rlimits")
    assert isolation["rlimits"]["RLIMIT_NPROC"] == Limits().max_processes or not namespaced
    assert isolation["rlimits"]["RLIMIT_AS"] == Limits().memory_bytes
    assert isolation["cwd"] == isolation["home"] and "repro-sandbox-" in isolation["cwd"]
    assert set(isolation["env_keys"]) <= {"HOME", "TMPDIR", "PWD", "PATH", "LANG", "OMP_NUM_THREADS",
                                          "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "EVALPLUS_MAX_MEMORY_BYTES"}
    if namespaced:
        assert isolation["pid"] == 1 and isolation["visible_pids"] == 1
        assert isolation["network"].startswith("blocked") and isolation["interfaces"] == ["lo"]
        assert isolation["write:/tmp"].startswith("denied")
        assert isolation["uid"] != 0 and "no_capabilities" in isolation["features"]


def test_fork_bomb_is_stopped_by_the_process_limit(isolation):
    if isolation["isolation"] == "rlimits_root":
        pytest.skip("root without namespaces: RLIMIT_NPROC does not bind root (SANDBOX.md)")
    out = run_jobs([Job("exec", {"code": FORK_BOMB, "timeout": 5}, Limits(wall_s=8))])[0]
    print(f"\nfork bomb: {out.status} in {out.wall_s:.2f} s: {out.verdict}")
    assert out.status == "done" and "BlockingIOError" in out.verdict["error"]


def hostile_rows(open_dir: str) -> dict[str, str]:
    return {
        "fork_bomb": FORK_BOMB, "alarm_proof_loop": ALARM_PROOF_LOOP, "plain_loop": PLAIN_LOOP,
        "allocate_8gb": ALLOCATE_8GB, "network": NETWORK, "write_tmp": write_outside(f"{open_dir}/escaped.txt"),
        "write_repo": write_outside(os.path.join(os.path.dirname(__file__), "ESCAPED.txt")),
        "kill_parent": KILL_PARENT, "kill_all": KILL_ALL, "huge_file": HUGE_FILE, "many_files": MANY_FILES,
        "junk_on_every_fd": JUNK_ON_EVERY_FD, "malformed_verdict": MALFORMED_VERDICT, "deep_json": DEEP_JSON,
    }


@pytest.mark.parametrize("level", ["auto", "rootns"])
def test_hostile_programs_fail_and_the_rest_of_the_batch_scores_correctly(level, isolation, open_dir,
                                                                          monkeypatch):
    uid_base = 64100 + (os.getpid() % 500) * 2  # uids of this test only (root), to look for leftovers
    monkeypatch.setenv("REPRO_SANDBOX_UID_BASE", str(uid_base))
    if level == "rootns":
        if os.geteuid() != 0:
            pytest.skip("the rootns level exists only for root")
        monkeypatch.setenv("REPRO_SANDBOX_LEVEL", "rootns")
    weak = isolation["isolation"].startswith("rlimits") and level == "auto"
    problems = load_problems("humaneval", FIXTURE)
    canonical = problems.tasks["HumanEval/9004"]["prompt"] + problems.tasks["HumanEval/9004"]["canonical_solution"]
    attacks = {k: v for k, v in hostile_rows(open_dir).items()
               if not (weak and (k in NEEDS_NAMESPACES or k == "fork_bomb"))}
    rows, names = [], []
    for name, attack in attacks.items():  # interleave hostile and correct samples in one batch
        rows.append({"id": "HumanEval/9004", "seed": len(rows), "response": answer(program(attack))})
        names.append(name)
        rows.append({"id": "HumanEval/9004", "seed": len(rows), "response": answer(canonical)})
        names.append("correct")
    t0 = time.perf_counter()
    result = score_code("humaneval", problems, rows, workers=2)
    wall = time.perf_counter() - t0
    print(f"\n[{level}] {len(rows)} samples ({len(attacks)} hostile) scored in {wall:.1f} s; "
          f"isolation {result['summary']['isolation']}")
    for name, s in zip(names, result["samples"], strict=True):
        if name != "correct":
            print(f"  {name:18s} base={s['base_status']:8s} plus={s['plus_status']:8s} "
                  f"{s.get('base_detail', '')[:70]}")
    for name, s in zip(names, result["samples"], strict=True):
        if name == "correct":
            assert (s["base_status"], s["plus_status"]) == ("pass", "pass"), s
        else:
            assert not s["base_pass"] and not s["plus_pass"], (name, s)
    by_name = dict(zip(names, result["samples"], strict=False))
    assert by_name["alarm_proof_loop"]["base_status"] == "timeout"
    assert by_name["huge_file"]["base_status"] == by_name["many_files"]["base_status"] == "fail"
    assert by_name["junk_on_every_fd"]["base_status"] == "error"
    assert by_name["malformed_verdict"]["base_status"] == by_name["deep_json"]["base_status"] == "error"
    assert os.listdir(open_dir) == []
    assert not os.path.exists(os.path.join(os.path.dirname(__file__), "ESCAPED.txt"))
    assert result["summary"]["sandbox_errors"] == 0
    if os.geteuid() == 0:  # no process of the sandbox uids outlives its program
        time.sleep(0.5)
        assert sandbox_processes({uid_base, uid_base + 1}) == []


def test_limits_on_the_exec_harness(isolation):
    """The same attacks one by one, with the error each limit produces."""
    cases = {"allocate_8gb": (ALLOCATE_8GB, "MemoryError"),
             "huge_file": (HUGE_FILE, "File too large"),
             "plain_loop": (PLAIN_LOOP, "TimeoutException")}
    if not isolation["isolation"].startswith("rlimits"):
        cases |= {"many_files": (MANY_FILES, "No space left on device"),
                  "network": (NETWORK, "Network is unreachable")}
    jobs = [Job("exec", {"code": code, "timeout": 2}, Limits(wall_s=4)) for code, _ in cases.values()]
    t0 = time.perf_counter()
    outs = run_jobs(jobs, workers=2)
    print(f"\n{len(jobs)} exec jobs in {time.perf_counter() - t0:.2f} s")
    for (name, (_, expected)), out in zip(cases.items(), outs, strict=True):
        print(f"  {name:14s} {out.status} {out.wall_s:.2f} s {out.verdict}")
        assert out.status == "done" and not out.verdict["ok"] and expected in out.verdict["error"], (name, out)


def test_wall_limit_kills_a_program_that_ignores_alarms(isolation):
    out = run_jobs([Job("exec", {"code": ALARM_PROOF_LOOP, "timeout": 1}, Limits(wall_s=2))])[0]
    print(f"\nalarm-proof loop: {out.status} after {out.wall_s:.2f} s")
    assert out.status == "timeout" and out.detail == "wall time limit"
    assert out.wall_s < 10


def test_rlimits_root_fallback_still_scores(monkeypatch):
    """The weakest level (root where no namespace can be made): programs still run and score, the
    wall limit still holds; what it does not stop is listed in SANDBOX.md."""
    if os.geteuid() != 0:
        pytest.skip("rlimits_root exists only for root")
    monkeypatch.setenv("REPRO_SANDBOX_LEVEL", "rlimits_root")
    problems = load_problems("humaneval", FIXTURE)
    t = problems.tasks["HumanEval/9004"]
    rows = [{"id": "HumanEval/9004", "seed": 0, "response": answer(t["prompt"] + t["canonical_solution"])},
            {"id": "HumanEval/9004", "seed": 1, "response": answer(program(ALARM_PROOF_LOOP))},
            {"id": "HumanEval/9004", "seed": 2, "response": answer(program(ALLOCATE_8GB))}]
    result = score_code("humaneval", problems, rows)
    assert result["summary"]["isolation"] == "rlimits_root"
    assert [s["plus_status"] for s in result["samples"]] == ["pass", "timeout", "fail"]


def test_each_module_imports_on_its_own_and_the_caller_loads_no_child_code():
    """One module per process role, imported one way: each imports first in a fresh interpreter
    (an import circle would fail for some order), and the public package does not load the code
    that runs in the supervisor or the program."""
    modules = ["api", "kernel", "wire", "harness", "child", "supervisor", "runner", "pool", "__main__"]
    check = ("import importlib, sys\n"
             "for name in sys.argv[1:]:\n"
             "    importlib.import_module('repro.evaluate.sandbox.' + name)\n")
    for name in modules:
        subprocess.run([sys.executable, "-c", check, name], check=True)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys; from repro.evaluate.sandbox import Job, Limits, Outcome, probe, run_jobs; "
                               "print(' '.join(sorted(m for m in sys.modules if m.startswith('repro.evaluate.sandbox'))))"],
        check=True, capture_output=True, text=True).stdout.split()
    assert not {"repro.evaluate.sandbox." + m for m in ("runner", "supervisor", "child", "harness")} & set(loaded)
