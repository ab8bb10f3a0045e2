"""genai-lca: life-cycle assessment of generative-AI workloads.

The package is layered as `architecture.md` describes: `lca.rules` (the rules engine, pure
computation), `lca.study` (study files), `lca.catalog` (the GPU, server and data-centre
catalogs), and the CLI on top.
"""

__version__ = "0.1.0"
