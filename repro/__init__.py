"""Reproduction artifact for "LoRA is All You Need for Safety Alignment of Reasoning LLMs".

Data flow (one folder per layer):

    figures (recipe per paper figure) --profiles--> specs (runs, generations, scores)
        --pipeline.plan--> steps --pipeline.execute--> artifacts/<profile>/ --render--> paper_figures/

The stage packages (assets, train, generate, evaluate, geometry, toy) sit in one layer: they may import each other
(most read ``repro.assets``; ``repro.toy`` also uses evaluate and generate) but nothing above them. Only
``repro.pipeline`` runs them all. tests/test_layers.py enforces the layers; CONTRIBUTING.md draws them.
"""

__version__ = "0.1.0"
