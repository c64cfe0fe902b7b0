"""Pure data: typed, frozen specs that hash to stable keys. No torch import here."""

from repro.specs.keys import spec_key, to_jsonable
from repro.specs.modes import Mode, parse_mode
from repro.specs.runs import (
    BACKENDS,
    BenchmarkSpec,
    CheckpointSpec,
    DatasetSpec,
    DecodingSpec,
    GenerationSpec,
    GeometrySpec,
    JudgeSpec,
    ModelShape,
    ModelSpec,
    OrthoMergeCheckpointSpec,
    OrthoMergeSpec,
    ScoreSpec,
    TinyArch,
    TrainSpec,
)

__all__ = [
    "BACKENDS",
    "BenchmarkSpec",
    "CheckpointSpec",
    "DatasetSpec",
    "DecodingSpec",
    "GenerationSpec",
    "GeometrySpec",
    "JudgeSpec",
    "Mode",
    "ModelShape",
    "ModelSpec",
    "OrthoMergeCheckpointSpec",
    "OrthoMergeSpec",
    "ScoreSpec",
    "TinyArch",
    "TrainSpec",
    "parse_mode",
    "spec_key",
    "to_jsonable",
]
