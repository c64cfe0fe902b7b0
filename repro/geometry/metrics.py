"""Stable rank and the overlap metrics m1-m4 of an update dW against its base W_I (docs/geometry.md#notation).

    srank(dW) = ||dW||_F^2 / ||dW||_2^2
    m1 = ||W_I^T dW|| / (||W_I|| ||dW||)        m2 = ||U_k U_k^T dW|| / ||dW||      (column space)
    m3 = ||W_I dW^T|| / (||W_I|| ||dW||)        m4 = ||V_k V_k^T dW^T|| / ||dW||    (row space)

Norms are Frobenius (docs/choices.md#12-fig-7-checkpoints-norm-and-averaging); U_k, V_k are the top-k (16) singular vectors of W_I.

Cost: ||dW||_2 comes from (block) Lanczos on the Gram matrix of dW (one pass over dW per iteration,
a dozen or so iterations until the top Ritz value's residual bound is below ``rtol``) instead of a
full SVD, except for small matrices where exact singular values are cheaper. m1-m4 need only
products whose result is min(out, in)^2: the numerator on the long side goes through Gram matrices
(||W_I dW^T||_F^2 = <W_I^T W_I, dW^T dW>), and U_k / V_k come from the eigenvectors of the same Gram
of W_I, so one m x n x min(m, n) product per term and no out x out matrix for a tall weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EXACT_MAX_DIM = 64  # exact singular values when min(out, in) <= this (cheaper there); Lanczos above


def _fro_sq(x) -> float:
    """||x||_F^2: fp32 norms of rows, summed in fp64. (One fp32 reduction over tens of millions of
    entries loses about 1% on CPU; an fp64 copy of the matrix costs 20x more time.)"""
    import torch

    if not x.numel():
        return 0.0
    rows = torch.linalg.vector_norm(x.float().reshape(x.shape[0], -1) if x.ndim > 1 else x.float()[None], dim=1)
    return float(rows.double().square().sum())


@dataclass(frozen=True)
class SpectralNorm:
    value: float
    method: str  # "exact" | "lanczos"
    iterations: int
    residual: float  # bound on |sigma_1 - value| from the Lanczos residual (0 for exact)


def spectral_norm(m, *, method: str = "auto", rtol: float = 1e-6, max_iter: int = 100, seed: int = 0,
                  block: int | None = None) -> SpectralNorm:
    """||m||_2. ``method``: "exact" (singular values), "lanczos", or "auto" (exact for small matrices).
    ``block``: Lanczos block size (default 8 on GPU, 1 on CPU)."""
    import torch

    if m.ndim != 2:
        raise ValueError(f"expected a matrix, got shape {tuple(m.shape)}")
    if method == "auto":
        method = "exact" if min(m.shape) <= EXACT_MAX_DIM else "lanczos"
    if method == "exact":
        s = torch.linalg.svdvals(m.float())
        return SpectralNorm(float(s[0]) if s.numel() else 0.0, "exact", 0, 0.0)
    if method != "lanczos":
        raise ValueError(f"unknown spectral norm method {method!r}")
    return _lanczos_top(m.float(), rtol, max_iter, seed, block or (1 if m.device.type == "cpu" else 8))


def _gram_operator(a):
    """The Gram operator of ``a`` on its short side, for a block of vectors X (short x b):
    X -> A^T A X (tall A) or A A^T X (wide A). For a tall A on CPU the two products run block by block
    over rows, so each block is read from memory once and reused from cache (the operator is
    memory-bound: this nearly halves its traffic); column blocks of a wide A are strided, and two
    plain products are faster there."""
    import torch

    m, n = a.shape
    tall = m >= n
    if a.device.type != "cpu" or not tall:
        return (lambda x: _mm(a.T, _mm(a, x))) if tall else (lambda x: _mm(a, _mm(a.T, x)))
    step = max(1, (1 << 20) // n)  # ~4 MB of fp32 per block

    def apply(x):
        vec = x.shape[1] == 1  # matrix-vector products: the skinny-GEMM path is far slower on some CPUs
        x1 = x[:, 0] if vec else x
        y = torch.zeros_like(x1)
        for i in range(0, m, step):
            part = a[i:i + step]
            y.addmv_(part.T, part @ x1) if vec else y.addmm_(part.T, part @ x1)
        return y[:, None] if vec else y

    return apply


def _mm(a, b):
    """a @ b, as a matrix-vector product when b has one column (see ``_gram_operator``)."""
    return (a @ b[:, 0])[:, None] if b.shape[1] == 1 else a @ b


def _orthonormalize(z, basis):
    """Columns of ``z`` made orthonormal and orthogonal to ``basis`` (two passes of block Gram-Schmidt)."""
    import torch

    for _ in range(2):
        if basis is not None:
            z = z - _mm(basis, _mm(basis.T, z))
        z = z / z.norm() if z.shape[1] == 1 else torch.linalg.qr(z).Q
    return z


def _lanczos_top(a, rtol: float, max_iter: int, seed: int, block: int) -> SpectralNorm:
    """Top singular value as sqrt of the top eigenvalue of the Gram matrix G on the short side, by block
    Lanczos (block Krylov space [X, G X, G^2 X, ...] with full reorthogonalization, Rayleigh-Ritz on it).
    One pass over A per iteration. On a GPU a block of 8 vectors costs about what one vector costs
    (memory-bound) and convergence is then governed by the gap to sigma_9 instead of sigma_2; on CPU
    the default block is 1 (matrix-vector products: skinny GEMMs are slow in some BLAS builds).
    The residual ||G y - theta y|| of the top Ritz pair bounds the distance of theta to an eigenvalue;
    it stops when that bound, as a relative error of sigma, is below ``rtol`` (the actual error is
    typically far smaller: it shrinks like the residual squared over the spectral gap).
    """
    import torch

    n = min(a.shape)
    b = max(1, min(block, n))
    op = _gram_operator(a)
    gen = torch.Generator().manual_seed(seed)
    x = _orthonormalize(torch.randn(n, b, generator=gen, dtype=torch.float32).to(a.device), None)
    cols = min(n, max_iter * b)
    q_rows = torch.empty(cols, n, dtype=torch.float32, device=a.device)  # the basis, one vector per row
    gq_rows = torch.empty_like(q_rows)  # and G times it
    t = torch.zeros(0, 0, dtype=torch.float64)
    theta, resid, iters = 0.0, math.inf, 0
    for iters in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        gx = op(x)
        j = t.shape[0]
        q_rows[j:j + b], gq_rows[j:j + b] = x.T, gx.T
        q, gq = q_rows[:j + b].T, gq_rows[:j + b].T
        col = _mm(q.T, gx).double().cpu()  # new columns of T = Q^T G Q (symmetric)
        grown = torch.zeros(j + b, j + b, dtype=torch.float64)
        grown[:j, :j] = t
        grown[:, j:] = col
        grown[j:, :j] = col[:j].T
        t = (grown + grown.T) / 2
        evals, evecs = torch.linalg.eigh(t)
        theta = max(float(evals[-1]), 0.0)
        y = evecs[:, -1].to(device=q.device, dtype=q.dtype)[:, None]
        resid = float((_mm(gq, y) - theta * _mm(q, y)).norm())
        if theta == 0.0 or resid <= 2 * rtol * theta or q.shape[1] + b > cols:
            break
        z = gx - _mm(q, _mm(q.T, gx))
        if float(z.norm()) <= 1e-6 * max(float(gx.norm()), 1e-30):  # an invariant subspace: theta is exact
            break
        x = _orthonormalize(z, q)
    if theta == 0.0:
        return SpectralNorm(0.0, "lanczos", iters, 0.0)
    return SpectralNorm(math.sqrt(theta), "lanczos", iters, resid / (2 * math.sqrt(theta)))


STABLE_RANK_RTOL = 1e-4  # guaranteed relative accuracy of ||dW||_2 (the measured error is ~1e-7, fp32)


def stable_rank(dw, **spectral_kw) -> dict:
    """{'fro_sq', 'spectral', 'stable_rank', ...}; stable rank is NaN for an all-zero update."""
    spectral_kw.setdefault("rtol", STABLE_RANK_RTOL)
    fro_sq = _fro_sq(dw)
    sn = spectral_norm(dw, **spectral_kw) if fro_sq > 0 else SpectralNorm(0.0, "zero", 0, 0.0)
    srank = fro_sq / sn.value ** 2 if sn.value > 0 else math.nan
    return {"fro_sq": fro_sq, "spectral": sn.value, "stable_rank": srank, "spectral_method": sn.method,
            "spectral_iterations": sn.iterations, "spectral_residual_bound": sn.residual}


def top_singular_vectors(w, k: int, gram=None):
    """(U_k, S_k, V_k) of ``w`` (fp32): orthonormal bases of its top-``k`` left and right singular
    subspaces and the singular values. The short side's vectors are the top eigenvectors of the Gram
    matrix there (``gram``, if the caller has it); the long side's basis is the left factor of an SVD
    of the thin product ``w V_k`` (or ``w^T U_k``), which spans the same subspace and stays orthonormal
    even where singular values are zero."""
    import torch

    w = w.float()
    m, n = w.shape
    k = min(k, m, n)
    tall = m >= n
    if gram is None:
        gram = w.T @ w if tall else w @ w.T
    evals, evecs = torch.linalg.eigh(gram)
    short = evecs[:, -k:].flip(-1)  # descending
    s = evals[-k:].flip(-1).clamp_min(0).sqrt()
    other = torch.linalg.svd(w @ short if tall else w.T @ short, full_matrices=False)[0]
    return (other, s, short) if tall else (short, s, other)


def overlap_metrics(w0, dw, k: int = 16) -> dict:
    """m1-m4 of ``dw`` against ``w0`` (Frobenius norms, top-``k`` singular vectors), plus the norms."""
    w0, dw = w0.float(), dw.float()
    if w0.shape != dw.shape:
        raise ValueError(f"shapes differ: W_I {tuple(w0.shape)} vs dW {tuple(dw.shape)}")
    m, n = w0.shape
    fro0, frod = math.sqrt(_fro_sq(w0)), math.sqrt(_fro_sq(dw))
    out = {"w0_fro": fro0, "dw_fro": frod, "top_k": min(k, m, n)}
    if frod == 0 or fro0 == 0:
        return {**out, "m1": math.nan, "m2": math.nan, "m3": math.nan, "m4": math.nan}
    tall = m >= n
    gram0 = w0.T @ w0 if tall else w0 @ w0.T
    if tall:  # ||W0^T dW||: n x n directly; ||W0 dW^T||^2 = <W0^T W0, dW^T dW>
        col_sq = _fro_sq(w0.T @ dw)
        row_sq = max(0.0, float((gram0.double() * (dw.T @ dw).double()).sum()))
    else:  # ||W0^T dW||^2 = <W0 W0^T, dW dW^T>; ||W0 dW^T||: m x m directly
        col_sq = max(0.0, float((gram0.double() * (dw @ dw.T).double()).sum()))
        row_sq = _fro_sq(w0 @ dw.T)
    u, _, v = top_singular_vectors(w0, k, gram=gram0)
    del gram0
    out.update(
        m1=math.sqrt(col_sq) / (fro0 * frod),
        m2=math.sqrt(_fro_sq(u.T @ dw)) / frod,
        m3=math.sqrt(row_sq) / (fro0 * frod),
        m4=math.sqrt(_fro_sq(dw @ v)) / frod,
    )
    return out
