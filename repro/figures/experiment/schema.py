"""The experiment file format (TOML), as typed pydantic models: what `repro run FILE` reads, and the data the
paper's figures of safety-reasoning panels (Figs. 2-6, 9-12) are made of, which `repro eject N` writes out. Unknown keys, wrong types and missing fields are the library's errors, turned into one line naming the
file, the line, the key, the problem and the fix (:func:`load`).

    title = "Fig. 2's protocol on another model"
    profile = "smoke"                    # paper | reduced | smoke | toy (the tiny stand-ins on CPU)
    backend = "hf"                       # optional: vllm | hf (default: the profile's)

    [models.r1_7b]                       # a model of the paper by its registry name ...
    registry = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"

    [models.other]                       # ... or any hub model at a pinned revision
    hub = "org/Some-Reasoning-Model-7B"
    revision = "0123456789abcdef0123456789abcdef01234567"
    family = "deepseek"                  # chat format: deepseek (R1 template) | qwen (Qwen chat template)
    num_layers = 28
    shape = { params_b = 7.6, hidden = 3584, intermediate = 18944, kv_width = 512 }   # for the GPU plan

    [[runs]]                             # a series of the plot: a paper mode on a model, with overrides
    name = "LoRA"
    model = "other"
    mode = "lora_mlp_r1"
    learning_rate = 5e-5                 # optional: epochs, batch_size, seeds, lora_alpha, lora_dropout
    evaluate_epochs = [2, 4, 6, 8, 10]   # optional: the checkpoints evaluated (default: every epoch)
    color = "tab:green"                  # optional: the series' colour and marker (matplotlib's names)
    marker = "s"

    [evaluation]
    safety = "strongreject"
    benchmarks = ["aime24", "gpqa_diamond"]
    base = true                          # the base models as a series
    decoding = { max_new_tokens = 8192, seeds = [0, 1, 2, 3] }   # optional: less than the paper

    [plot]
    front = "panel"                      # panel: one Pareto front per panel (Fig. 2); series: each series' own
    tests = "plus"                       # code benchmarks: plus (Fig. 2) or base (Fig. 9) tests
    titles = "model"                     # panel titles: "model: benchmark" (Fig. 2), or the benchmark alone
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from repro.errors import ReproError
from repro.specs import parse_mode

# Every number is finite and in range, and every list bounded, so that a plan is made in bounded time and memory
# whatever a file says (the total of checkpoints a file evaluates is bounded in build.py).
MAX_FILE_BYTES = 1 << 20
MAX_EPOCHS = 1000
MAX_RANK = 4096
MAX_SEEDS = 64
Seed = Annotated[int, Field(ge=0, lt=2**32)]
Epoch = Annotated[int, Field(ge=1, le=MAX_EPOCHS)]


def _unique(v: list | None) -> list | None:
    if v is not None and len(set(v)) != len(v):
        raise ValueError("lists each value once")
    return v


# Which tests a code panel plots: the plus tests (EvalPlus) or the base ones, of the same generations.
Tests = Literal["plus", "base"]

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Shape(_Strict):
    params_b: float = Field(gt=0, le=100_000)
    hidden: int = Field(gt=0, le=1 << 20)
    intermediate: int = Field(gt=0, le=1 << 22)
    kv_width: int = Field(gt=0, le=1 << 20)


class Model(_Strict):
    registry: str | None = None
    hub: str | None = None
    revision: str | None = None
    family: Literal["deepseek", "qwen"] | None = None
    num_layers: int | None = Field(default=None, gt=0, le=1024)
    dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    label: str | None = None
    shape: Shape | None = None
    allow_unpinned: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> Model:
        if (self.registry is None) == (self.hub is None):
            raise ValueError("give exactly one of registry (a model of the paper) and hub (any hub model)")
        if self.hub is not None:
            if self.revision is None and not self.allow_unpinned:
                raise ValueError("a hub model needs its revision (a commit hash), or allow_unpinned = true to "
                                 "follow the hub's current one")
            for name in ("family", "num_layers"):
                if getattr(self, name) is None:
                    raise ValueError(f"a hub model needs {name}")
        return self


class Run(_Strict):
    name: str = Field(min_length=1)
    model: str
    mode: str
    learning_rate: float | None = Field(default=None, gt=0, le=1)
    epochs: Epoch | None = None
    batch_size: int | None = Field(default=None, gt=0, le=1 << 16)
    seeds: list[Seed] | None = Field(default=None, min_length=1, max_length=MAX_SEEDS)
    lora_alpha: int | None = Field(default=None, gt=0, le=1 << 16)
    lora_dropout: float | None = Field(default=None, ge=0, lt=1)
    evaluate_epochs: list[Epoch] | None = Field(default=None, min_length=1, max_length=MAX_EPOCHS)
    color: str | None = Field(default=None, min_length=1, max_length=64)  # a matplotlib colour
    marker: str | None = Field(default=None, min_length=1, max_length=8)  # a matplotlib marker

    _seeds_once = field_validator("seeds", "evaluate_epochs")(classmethod(lambda cls, v: _unique(v)))

    @field_validator("mode")
    @classmethod
    def _mode(cls, v: str) -> str:
        try:
            mode = parse_mode(v)
        except ReproError as exc:  # the grammar's own message, as a validation error of this key
            raise ValueError(str(exc)) from None
        if mode.kind == "lora" and not 1 <= mode.rank <= MAX_RANK:
            raise ValueError(f"LoRA rank {mode.rank} is out of range -- use a rank from 1 to {MAX_RANK}")
        return v


class Decoding(_Strict):
    max_new_tokens: int | None = Field(default=None, gt=0)  # at most the profile's own (build.py)
    seeds: list[Seed] | None = Field(default=None, min_length=1, max_length=MAX_SEEDS)

    _seeds_once = field_validator("seeds")(classmethod(lambda cls, v: _unique(v)))


class Evaluation(_Strict):
    safety: str = "strongreject"
    benchmarks: list[str] = Field(min_length=1, max_length=64)

    _once = field_validator("benchmarks")(classmethod(lambda cls, v: _unique(v)))
    base: bool = True
    decoding: Decoding = Decoding()


class Plot(_Strict):
    front: Literal["panel", "series"] = "panel"
    tests: Tests = "plus"
    titles: Literal["model", "benchmark"] = "model"


class Experiment(_Strict):
    title: str = "an experiment"
    profile: Literal["paper", "reduced", "smoke", "toy"] = "smoke"
    backend: Literal["vllm", "hf"] | None = None
    models: dict[str, Model] = Field(min_length=1, max_length=64)
    runs: list[Run] = Field(min_length=1, max_length=256)
    evaluation: Evaluation
    plot: Plot = Plot()


FIXES = {
    "extra_forbidden": "remove it or correct its spelling",
    "missing": "add it",
    "literal_error": "use one of the values named",
    "value_error": "correct the value",
    "finite_number": "write a finite number",
    "greater_than": "use a value in the range named", "greater_than_equal": "use a value in the range named",
    "less_than": "use a value in the range named", "less_than_equal": "use a value in the range named",
    "too_long": "list fewer values",
}


def load(path: Path) -> Experiment:
    """The experiment in ``path``, validated; one ReproError naming the file, line, key, problem and fix."""
    start = "give the path of a .toml file (`repro eject 2 > f.toml` writes one to start from)"
    if path.is_dir():
        raise ReproError(f"{path} is a directory, not an experiment file", start)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReproError(f"{path} is {path.stat().st_size} bytes, more than an experiment file's "
                             f"{MAX_FILE_BYTES}", start)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReproError(f"no experiment file at {path}", start) from None
    except UnicodeDecodeError as exc:
        raise ReproError(f"{path} is not UTF-8 text (byte {exc.start})", start) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReproError(f"{path}: not valid TOML: {exc}", "fix the syntax at the line named") from None
    try:
        return Experiment.model_validate(raw)
    except ValidationError as exc:
        raise _one_line(path, text, exc) from None


def _key(loc: list[str]) -> str:
    """A key path as the file spells it: ``runs[1].mode``."""
    return "".join(f"[{x}]" if x.isdigit() else f".{x}" for x in loc).lstrip(".") or "top level"


def located(path: Path | None, loc: list, problem: str, fix: str) -> ReproError:
    """One line naming the file, the line of ``loc`` (a key path such as ``["runs", 1, "mode"]``), the key, the
    problem and the fix; without a file (a figure's own experiment), the key, the problem and the fix."""
    loc = [str(x) for x in loc]
    if path is None:
        return ReproError(f"{_key(loc)}: {problem}", fix)
    return ReproError(f"{path}:{_line(path.read_text(encoding='utf-8'), loc)}: {_key(loc)}: {problem}", fix)


def _one_line(path: Path, text: str, exc: ValidationError) -> ReproError:
    # A misspelled key often also leaves a required one missing: the unknown key is the one to report.
    err = sorted(exc.errors(), key=lambda x: x["type"] != "extra_forbidden")[0]
    loc = [str(x) for x in err["loc"] if not str(x).startswith("function-")]
    key = _key(loc)
    msg, kind = err["msg"].removeprefix("Value error, "), err["type"]
    fix = FIXES.get(kind, "correct the value")
    if kind == "extra_forbidden":
        msg = f"unknown key {loc[-1]!r}"
        parent = _model_at(loc[:-1])
        close = difflib.get_close_matches(loc[-1], list(parent.model_fields), n=1) if parent else []
        fix = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(parent.model_fields)}" \
            if parent else fix
    elif " -- " in msg:  # a project error carried through the library: its own problem and fix
        msg, _, fix = msg.partition(" -- ")
    return ReproError(f"{path}:{_line(text, loc)}: {key}: {msg}", fix)


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    """The table type at a location of the document (whose keys a did-you-mean chooses from)."""
    names = [p for p in loc if not p.isdigit()]
    if not names:
        return Experiment
    top = {"runs": Run, "evaluation": Evaluation, "plot": Plot}.get(names[0])
    if names[0] == "models":
        return Shape if names[2:3] == ["shape"] else Model if len(names) >= 2 else None
    if names[0] == "evaluation" and names[1:2] == ["decoding"]:
        return Decoding
    return top


def _line(text: str, loc: list[str]) -> int:
    """The line of the file the location points at: its table header and, below it, its key (best effort)."""
    lines = text.splitlines()
    start, table_index = 0, -1
    names = [p for p in loc if not p.isdigit()]
    counts = [int(p) for p in loc if p.isdigit()]
    if names and names[0] == "runs" and counts:
        headers = [i for i, ln in enumerate(lines) if re.match(r"\s*\[\[\s*runs\s*\]\]", ln)]
        if counts[0] < len(headers):
            start = table_index = headers[counts[0]]
    elif len(names) >= 2 and names[0] in ("models", "evaluation", "plot"):
        header = rf"\s*\[\s*{re.escape(names[0])}(\.{re.escape(names[1])})?\s*\]"
        found = [i for i, ln in enumerate(lines) if re.match(header, ln)]
        if found:
            start = table_index = found[-1] if names[0] != "models" else found[0]
    key = names[-1] if names else ""
    for i in range(start, len(lines)):
        if i > start and table_index >= 0 and re.match(r"\s*\[", lines[i]):
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]) or re.search(rf"[{{,]\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return table_index + 1 if table_index >= 0 else 1
