"""genai-lca's Python API under a distinctive import name: `import genai_lca as gl`.

The same objects as `lca.api` (the package's own name, `lca`, is generic); see that module and
the README's "Python API" section.
"""

from lca import __version__
from lca.api import (Assessment, Impact, InputError, MissingInput, ScenarioComparison, Study,
                     UnitResult, compare, load)

__all__ = ["Assessment", "Impact", "InputError", "MissingInput", "ScenarioComparison", "Study",
           "UnitResult", "__version__", "compare", "load"]
