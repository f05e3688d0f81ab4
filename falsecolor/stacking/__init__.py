"""The stacking workflow: thousands of short frames in, one sharp band image out (lucky imaging).

:func:`stack` measures every frame, keeps the sharpest, registers them against
a reference and combines them, streaming the frames in two passes on a thread
pool or a dask.distributed cluster; :func:`write_stack` writes the band, the
per-frame report and its quality plot, all or nothing.
"""

from ._report import quality_plot, write_stack
from ._stack import Stacked, StackOptions, stack

__all__ = ["StackOptions", "Stacked", "quality_plot", "stack", "write_stack"]
