"""BLAS during a fit: thread limits, and level-1 vector updates.

Two facts of a 2-core machine shape the engine (both measured; issue 21's
closing note has the numbers):

- **Threads.**  A second BLAS thread makes the small products of small
  batches, and the short vector operations of L-BFGS-B in SciPy's own BLAS,
  wait on each other; fits limit those libraries to one thread
  (``ONE_BLAS_THREAD``, ``ONE_SCIPY_BLAS_THREAD``) while they run.
- **Level-1 calls.**  An optimizer step is a few updates y ← y + a x of the
  whole parameter vector, each memory-bound.  NumPy needs two passes for one
  (a x into a scratch vector, then the sum); BLAS's ``axpy`` makes one.
  NumPy exposes no axpy, SciPy does, through its own BLAS, which in a wheel
  is a second OpenBLAS with its own threads: on two threads, waking them
  beside NumPy's made each call milliseconds slower, on one thread it is the
  faster of the two.  So ``axpy`` takes the one-pass route only where that
  is known to be safe (``level1_ready``): in the main thread while a fit
  holds SciPy's BLAS at one thread, or wherever SciPy and NumPy share one
  BLAS.  Elsewhere (fits in other threads) it takes NumPy's two passes,
  which round a x before the sum, so such fits may differ from the same fit
  in the main thread in the last digits.
"""

import os
import threading
from functools import lru_cache

import numpy as np
from scipy.linalg import blas as _scipy_blas
from threadpoolctl import ThreadpoolController


class SharedBlasLimit:
    """One thread for some BLAS libraries during a fit in the main thread.

    BLAS thread counts are process-wide.  Set and restored from several
    threads at once, OpenBLAS was seen to keep a limit after every fit had
    restored it, so only fits in the main thread change it (first in, last
    out); fits in other threads leave the process's setting as it is.
    ``select()`` returns the libraries to limit: a selection of a
    ``threadpoolctl.ThreadpoolController``.
    """

    def __init__(self, select):
        self._select = select
        self._lock = threading.Lock()
        self._users = 0
        self._limiter = None

    def __enter__(self):
        if threading.current_thread() is not threading.main_thread():
            return
        with self._lock:
            if self._users == 0:
                self._limiter = self._select().limit(limits=1)
            self._users += 1

    def __exit__(self, *exc_info):
        if threading.current_thread() is not threading.main_thread():
            return
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limiter.restore_original_limits()
                self._limiter = None

    @property
    def held(self):
        """Whether a fit in the main thread holds the limit now."""
        return self._users > 0


def scipy_own_blas(controller):
    """The BLAS that SciPy ships for itself (wheels: ``scipy.libs``), not NumPy's.

    L-BFGS-B's Fortran calls it for short vector operations on every
    iteration; on two shared cores a second thread makes each call wait, so
    one thread is up to 2.9 times faster per iteration (digits, hidden (100,))
    while NumPy's products keep their threads.  Where SciPy and NumPy share
    one BLAS, nothing is selected.
    """
    own = [
        lib.filepath
        for lib in controller.lib_controllers
        if lib.user_api == "blas"
        and "scipy" in os.path.basename(os.path.dirname(lib.filepath))
    ]
    return controller.select(filepath=own)


@lru_cache(maxsize=None)
def _scipy_own_selection():
    """``scipy_own_blas``, looked up once: SciPy loads its BLAS on import,
    before any fit, and a controller's scan of the loaded libraries takes
    0.4 MB for a moment — more than a small fit's own buffers."""
    return scipy_own_blas(ThreadpoolController())


#: Every BLAS loaded at the time of the fit (small batches).
ONE_BLAS_THREAD = SharedBlasLimit(
    lambda: ThreadpoolController().select(user_api="blas")
)
#: SciPy's own BLAS only (L-BFGS-B's vector operations, ``axpy``).
ONE_SCIPY_BLAS_THREAD = SharedBlasLimit(_scipy_own_selection)


def _scipy_shares_numpys_blas():
    """True where SciPy has no BLAS of its own (one library, one thread pool)."""
    return not _scipy_own_selection().lib_controllers


def level1_ready():
    """Whether ``axpy`` may call SciPy's BLAS now (see the module's docstring)."""
    if threading.current_thread() is threading.main_thread() and (
        ONE_SCIPY_BLAS_THREAD.held or ONE_BLAS_THREAD.held
    ):
        return True
    return _scipy_shares_numpys_blas()


_AXPY = {
    np.dtype(np.float64): _scipy_blas.daxpy,
    np.dtype(np.float32): _scipy_blas.saxpy,
}


def axpy(a, x, y):
    """y ← y + a x in place, one pass, for contiguous float32/float64 vectors.

    Returns False (y untouched) where BLAS cannot take them: then the caller
    takes NumPy's two passes.
    """
    routine = _AXPY.get(y.dtype)
    if (
        routine is None
        or x.dtype != y.dtype
        or x.ndim != 1
        or y.ndim != 1
        or not (x.flags.c_contiguous and y.flags.c_contiguous)
    ):
        return False
    if routine(x, y, a=a) is not y:  # f2py copied: cannot happen for these
        raise RuntimeError("BLAS axpy did not update its vector in place")
    return True
