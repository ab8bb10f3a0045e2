"""genai-lca: life-cycle assessment of generative-AI workloads.

The package is layered as `architecture.md` describes: `lca.core.rules` (the rules engine, pure
computation), `lca.study.file` (study files), `lca.data.catalog` (the GPU, server and data-centre
catalogs), and the CLI on top.
"""

__version__ = "0.1.0"
