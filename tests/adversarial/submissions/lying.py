"""Attack 9: return objects that lie about themselves.

``Liar`` claims to equal anything and to be any array; ``LyingArray`` is a real array of
zeros whose comparisons and numpy functions all say "equal". In the checks' process either
would pass a careless check (``got == want``, ``np.allclose(got, want)``), which is what
the two 0-point "trusting" checks of the shared class do. Their ``__reduce__`` would leave a
file in the test's folder if anything ever unpickled them. ``LIE_PROTOCOL`` writes a forged
frame straight onto its own channel instead of returning.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE

_LIARS = r'''

class Liar:
    """Equal to anything, any array one asks for, zero as a number."""

    shape, ndim, size, dtype = (5,), 1, 5, np.dtype("float64")

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __hash__(self):
        return 0

    def __len__(self):
        return 5

    def __iter__(self):
        return iter([0.0] * 5)

    def __getitem__(self, key):
        return self

    def __float__(self):
        return 0.0

    def __array__(self, dtype=None, copy=None):
        return np.zeros(5)

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self

    def __sub__(self, other):
        return self

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __sub__

    def __abs__(self):
        return self

    def __reduce__(self):
        return (open, (os.path.join(FENCE, f"unpickled-{TAG}"), "w"))


class LyingArray(np.ndarray):
    """Zeros that compare equal to anything, under every numpy function."""

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc in (np.equal, np.less_equal, np.greater_equal, np.isfinite):
            return np.ones(self.shape, dtype=bool)
        return np.zeros(self.shape)

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __reduce__(self):
        return (open, (os.path.join(FENCE, f"unpickled-{TAG}"), "w"))
'''

LIE_OBJECTS = (
    PRELUDE
    + _LIARS
    + """

def scale(x, k):
    return Liar()


def norm_rows(x):
    return np.zeros(len(x)).view(LyingArray)
"""
)

LIE_SUBCLASS = (
    PRELUDE
    + _LIARS
    + """

def scale(x, k):
    return np.zeros_like(x).view(LyingArray)


def norm_rows(x):
    return np.array([Liar() for _ in range(len(x))], dtype=object)
"""
)

LIE_PROTOCOL = (
    PRELUDE
    + HONEST_SCALE
    + r'''
import gc
import socket
import struct


def norm_rows(x):
    """Answer on our own channel before returning: a forged reply, then a frame that claims
    to be a terabyte long."""
    for obj in gc.get_objects():
        sock = getattr(obj, "sock", None) if type(obj).__name__ == "Server" else None
        if isinstance(sock, socket.socket):
            header = b'{"msg":{"$dict":[["ok",true],["value",{"$handle":987654}]]},"buffers":[]}'
            sock.sendall(struct.pack(">QI", 4 + len(header), len(header)) + header)
            sock.sendall(struct.pack(">QI", 1 << 40, 10) + b"garbage")
    return np.zeros(len(x))
'''
)

LIE_TENSOR = (
    PRELUDE
    + r'''
import torch


class LyingTensor(torch.Tensor):
    """Zeros that compare equal to anything, under == and numpy's functions."""

    def __eq__(self, other):
        return np.ones(tuple(self.shape), dtype=bool)

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __reduce_ex__(self, protocol):
        return (open, (os.path.join(FENCE, f"unpickled-{TAG}"), "w"))


def scale(x, k):
    return torch.zeros(len(x), dtype=torch.float64).as_subclass(LyingTensor)


def norm_rows(x):
    return torch.zeros(len(x), dtype=torch.float64).as_subclass(LyingTensor)
'''
)

STUDENTS = {"lie_objects": LIE_OBJECTS, "lie_subclass": LIE_SUBCLASS, "lie_protocol": LIE_PROTOCOL}
