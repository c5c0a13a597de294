"""Polyphase windowed-sinc filter design and the two vectorised ways to apply it.

Notation: ``out_rate / in_rate = L / M`` in lowest terms. Output ``n`` is the value of the input
at time ``t_n = n * M / L`` (in input samples). With ``k = floor(t_n)`` and phase
``p = n * M mod L``, it reads inputs ``k + 1 - H .. k + H`` with the coefficients ``h[p]``.

Two kernels compute this sum; :func:`design` picks one by estimated cost. The choice depends on
the rates only, never on the chunking, so the streamed output does not depend on the split.

- :class:`BlockKernel` (most pairs): ``c`` periods of the rate ratio (``cL`` outputs reading
  ``cM`` new inputs) form one row of a matrix product between an overlapping strided view of
  the input and a zero-padded coefficient matrix. Cheap unless a period is long.
- :class:`GatherKernel` (long periods with many inputs each, e.g. 16 kHz <-> 22.05 kHz):
  gathers each output's input window and coefficient row and takes row-wise dot products.
"""

from __future__ import annotations

import functools
import math
from typing import Final

import numpy as np
import numpy.typing as npt

F32: Final = np.dtype(np.float32)
_ITEM: Final = F32.itemsize

# quality -> (zero crossings on each side of the sinc, Kaiser beta, cutoff / lower Nyquist).
# Kaiser beta 6 gives about 63 dB of stopband attenuation, 8.6 about 87 dB, 10.5 about 105 dB.
DESIGNS: Final[dict[str, tuple[int, float, float]]] = {
    "low": (8, 6.0, 0.85),
    "medium": (16, 8.6, 0.90),
    "high": (32, 10.5, 0.94),
}
_MAX_TABLE: Final = 1 << 20  # filter table entries; guards against absurd rate pairs
_GATHER_RATIO: Final = 40.0  # a gathered tap costs about this many matrix-product MACs

FloatArray = npt.NDArray[np.float32]


def _phases(up: int, down: int, half: int, fc: float, beta: float) -> npt.NDArray[np.float64]:
    """Coefficients ``h[p, j]`` (``L x 2H``) for input ``k + 1 - H + j`` at offset ``p / L``."""
    d = np.arange(up)[:, None] / up + (half - 1) - np.arange(2 * half)[None, :]  # t - input
    x = np.clip(d / half, -1.0, 1.0)
    window = np.i0(beta * np.sqrt(1.0 - x * x)) / np.i0(beta)
    h = fc * np.sinc(fc * d) * window
    h /= h.sum(axis=1, keepdims=True)  # unit DC gain for every phase
    return h


class BlockKernel:
    """Whole periods at once: period ``a`` (``cL`` outputs) reads the ``U * cM`` inputs from
    ``(a + shift) * cM``, so the outputs of all periods are one matrix product of an
    overlapping (strided) view of the input with a ``U*cM x cL`` coefficient matrix."""

    def __init__(self, up: int, down: int, half: int, h: npt.NDArray[np.float64]) -> None:
        taps = 2 * half
        # c periods per row (same ratio cL / cM): rows advancing by about a third of the taps
        # and more output columns make the product efficient for small L and M.
        c = max(1, min(round(taps / (3 * down)), 64 // up))
        cu, cd = c * up, c * down
        r = np.arange(cu)
        e = (r * cd) // cu  # floor(t) minus the period's first input, for output r
        shift = (1 - half) // cd  # first block of cM inputs read by period 0 (<= 0)
        start = e + 1 - half - shift * cd  # output r's first tap, from the period's first input
        blocks = -(-(int(np.max(start)) + taps) // cd)
        if cd * cu * blocks > _MAX_TABLE:
            raise ValueError("rate pair needs too large a filter table")
        ext = np.zeros((blocks * cd, cu))
        for i in range(cu):  # construction only
            ext[start[i] : start[i] + taps, i] = h[(i * down) % up]
        self.table: Final[FloatArray] = np.ascontiguousarray(ext, dtype=F32)
        self.table.flags.writeable = False
        self.up, self.down, self.half = up, down, half
        self.cu, self.cd, self.shift, self.width = cu, cd, shift, blocks * cd

    def cost(self, outputs: int) -> float:
        """Multiply-adds per output when ``outputs`` are computed per call (whole periods of
        cL outputs are computed, so a call pays for up to two extra periods)."""
        return (1 + 2 * self.cu / outputs) * self.width

    def first_input(self, n: int) -> int:
        """First input index read by outputs ``n`` and later."""
        return (n // self.cu + self.shift) * self.cd

    def end_input(self, n_end: int) -> int:
        """One past the last input index touched (maybe with a zero weight) by outputs < n_end."""
        return (-(-n_end // self.cu) + self.shift) * self.cd + self.width - self.cd

    def windows(self, buf: FloatArray) -> FloatArray:
        """Overlapping rows of ``width`` inputs every ``cM`` inputs: a view of ``buf``, whose
        first element must be a block boundary (``origin`` a multiple of ``cM``)."""
        rows = (buf.size - self.width) // self.cd + 1
        view: FloatArray = np.ndarray(
            (rows, self.width), dtype=F32, buffer=buf, strides=(self.cd * _ITEM, _ITEM)
        )
        return view

    def compute(self, windows: FloatArray, origin: int, n0: int, n1: int) -> FloatArray:
        """Outputs ``n0 .. n1 - 1`` from ``windows(buf)``; ``buf[0]`` is input ``origin``."""
        cu = self.cu
        first = n0 // cu
        row = first + self.shift - origin // self.cd
        out: FloatArray = np.dot(windows[row : row - first + -(-n1 // cu)], self.table)
        return out.reshape(-1)[n0 - first * cu : n1 - first * cu]


class GatherKernel:
    """Row-wise dot products of gathered input windows and coefficient rows."""

    def __init__(self, up: int, down: int, half: int, h: npt.NDArray[np.float64]) -> None:
        self.up, self.down, self.half = up, down, half
        self.h: Final[FloatArray] = np.ascontiguousarray(h, dtype=F32)
        self.h.flags.writeable = False

    def cost(self, outputs: int) -> float:
        """Gathered taps per output (each costs about ``_GATHER_RATIO`` block MACs)."""
        return _GATHER_RATIO * 2 * self.half

    def first_input(self, n: int) -> int:
        return (n * self.down) // self.up + 1 - self.half

    def end_input(self, n_end: int) -> int:
        return ((n_end - 1) * self.down) // self.up + self.half + 1

    def windows(self, buf: FloatArray) -> FloatArray:
        """Every run of ``2H`` consecutive inputs: a view of ``buf``."""
        taps = 2 * self.half
        view: FloatArray = np.ndarray(
            (buf.size - taps + 1, taps), dtype=F32, buffer=buf, strides=(_ITEM, _ITEM)
        )
        return view

    def compute(self, windows: FloatArray, origin: int, n0: int, n1: int) -> FloatArray:
        """Outputs ``n0 .. n1 - 1`` from ``windows(buf)``; ``buf[0]`` is input ``origin``."""
        t = np.arange(n0 * self.down, n1 * self.down, self.down, dtype=np.int64)
        k = t // self.up
        rows = windows[k - (self.half - 1 + origin)]
        coefs = self.h[t - k * self.up]
        out: FloatArray = np.einsum("ij,ij->i", rows, coefs)
        return out


Kernel = BlockKernel | GatherKernel


@functools.lru_cache(maxsize=32)
def design(in_rate: int, out_rate: int, quality: str, force: str | None = None) -> Kernel:
    """The kernel for a rate pair (cached). ``force`` ("block"/"gather") is for tests."""
    zero_crossings, beta, cutoff = DESIGNS[quality]
    g = math.gcd(in_rate, out_rate)
    up, down = out_rate // g, in_rate // g
    fc = cutoff * min(1.0, up / down)  # cutoff as a fraction of the input Nyquist
    half = math.ceil(zero_crossings / fc)
    if up * 2 * half > _MAX_TABLE:
        raise ValueError(f"rate pair {in_rate} -> {out_rate} needs too large a filter table")
    h = _phases(up, down, half, fc, beta)
    gather = GatherKernel(up, down, half, h)
    if force == "gather":
        return gather
    try:
        block = BlockKernel(up, down, half, h)
    except ValueError:
        if force == "block":
            raise
        return gather
    outputs = max(1, out_rate // 50)  # per 20 ms chunk, the realtime case
    if force == "block" or block.cost(outputs) <= gather.cost(outputs):
        return block
    return gather
