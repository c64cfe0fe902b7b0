"""One function per step kind (its class in ``repro.pipeline.kinds`` calls it): read the inputs, call the stage
package, write the outputs.

Each runner writes only inside its own step directory and returns a dict of facts for the
manifest. Interrupted steps: training resumes from its last whole checkpoint; generation
resumes seed by seed; the others are cheap and start over.

    runtime.py   what runners share (store, progress hook, loaded generators)
    build.py     asset, train, merge
    generate.py  generate
    score.py     score (+ read_score for figures)
    geometry.py  geometry (Figs. 1, 7 analyses) and orthomerge (+ read_geometry for figures)
"""

from repro.pipeline.runners.geometry import read_geometry
from repro.pipeline.runners.runtime import Runtime
from repro.pipeline.runners.score import read_score

__all__ = ["Runtime", "read_geometry", "read_score"]
