"""The speed machinery, behind one door.

Nothing here changes a result; it only changes how fast and in how much memory the
same result is made. Domain modules (``graph``, ``canonical``, ``export``...) read as
their algorithm and may use :mod:`~paperkg._accel.kernels` (compiled loops with a
pure-Python reference beside them) and :data:`~paperkg._accel.thresholds.THRESHOLDS`;
only :mod:`paperkg.workflow` and this package start processes or pause the garbage
collector.

* :mod:`~paperkg._accel.fork`: one piece of work in a forked child while this
  process does another (``run_beside``).
* :mod:`~paperkg._accel.gcpause`: the cyclic garbage collector paused around bulk
  allocation (``gc_paused``).
* :mod:`~paperkg._accel.parallel`: extraction in a process pool or on Dask.
* :mod:`~paperkg._accel.kernels`: numba versions of the graph's and the layout's inner
  loops.
* :mod:`~paperkg._accel.speedups`: the Cython build of the extractor's modules and the
  import hook that keeps an edited source ahead of a stale build.
* :mod:`~paperkg._accel.thresholds`: every switch point and chunk size, in one
  :class:`~paperkg._accel.thresholds.Thresholds` object.
"""

from paperkg._accel.thresholds import THRESHOLDS, Thresholds

__all__ = ["THRESHOLDS", "Thresholds"]
