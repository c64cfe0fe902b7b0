"""Stable rank and the overlap metrics m1-m4: their defining properties, and agreement with the
formulas evaluated naively in float64 (full SVD, explicit products) on random matrices."""

from __future__ import annotations

import math

import pytest
import torch

from repro.geometry.metrics import overlap_metrics, spectral_norm, stable_rank, top_singular_vectors

METHODS = ("exact", "lanczos")


def _orthonormal(n: int, k: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]


def _with_spectrum(m: int, n: int, s: torch.Tensor, seed: int) -> torch.Tensor:
    """An m x n matrix with singular values ``s`` (float64)."""
    r = len(s)
    return _orthonormal(m, r, seed) @ torch.diag(s.double()) @ _orthonormal(n, r, seed + 1).T


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", [(300, 200), (200, 300), (40, 40)])
def test_stable_rank_of_rank_one_is_one(method, shape):
    g = torch.Generator().manual_seed(1)
    m = torch.outer(torch.randn(shape[0], generator=g), torch.randn(shape[1], generator=g)) * 1e-3
    assert stable_rank(m, method=method)["stable_rank"] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [16, 300])
def test_stable_rank_of_scaled_orthogonal_is_its_dimension(method, n):
    q = _orthonormal(n, n, 2).float() * 0.37
    assert stable_rank(q, method=method)["stable_rank"] == pytest.approx(n, rel=1e-5)


@pytest.mark.parametrize("block", [1, 8])  # 1: the CPU default; 8: the GPU default
@pytest.mark.parametrize("shape", [(700, 300), (300, 700), (400, 400)])
def test_lanczos_spectral_norm_matches_exact_singular_values(shape, block):
    # A slowly decaying spectrum (the hard case for iterative methods): sigma_i = 1 / sqrt(i).
    s = 1 / torch.arange(1, min(shape) + 1, dtype=torch.float64).sqrt()
    m = _with_spectrum(*shape, s, seed=3).float()
    exact = float(torch.linalg.svdvals(m.double())[0])
    lz = spectral_norm(m, method="lanczos", rtol=1e-6, block=block)
    assert lz.method == "lanczos" and 1 < lz.iterations < min(shape)
    assert lz.value == pytest.approx(exact, rel=1e-5)
    assert abs(lz.value - exact) <= lz.residual * 1.01 + 1e-6 * exact  # the bound it reports holds
    assert stable_rank(m)["stable_rank"] == pytest.approx(float((s ** 2).sum() / s[0] ** 2), rel=1e-4)


def test_zero_update_has_no_stable_rank():
    r = stable_rank(torch.zeros(50, 40))
    assert r["fro_sq"] == 0.0 and math.isnan(r["stable_rank"])


def _naive(w0: torch.Tensor, dw: torch.Tensor, k: int) -> dict:
    """The four definitions, literally, in float64 with a full SVD."""
    w0, dw = w0.double(), dw.double()
    u, _, vh = torch.linalg.svd(w0, full_matrices=False)
    uk, vk = u[:, :k], vh[:k].T
    f = torch.linalg.matrix_norm
    return {"m1": f(w0.T @ dw) / (f(w0) * f(dw)), "m2": f(uk @ uk.T @ dw) / f(dw),
            "m3": f(w0 @ dw.T) / (f(w0) * f(dw)), "m4": f(vk @ vk.T @ dw.T) / f(dw)}


@pytest.mark.parametrize("shape", [(96, 40), (40, 96), (64, 64)])
def test_overlap_metrics_equal_their_definitions(shape):
    s = torch.cat([torch.tensor([5.0, 3.0, 2.5]), torch.linspace(1.5, 0.1, min(shape) - 3)]).double()
    w0 = _with_spectrum(*shape, s, seed=5).float()
    g = torch.Generator().manual_seed(6)
    dw = (torch.randn(*shape, generator=g) * 1e-2 + 0.3 * w0 * 1e-2).float()
    ours, want = overlap_metrics(w0, dw, k=16), _naive(w0, dw, 16)
    for name in ("m1", "m2", "m3", "m4"):
        assert ours[name] == pytest.approx(float(want[name]), rel=1e-4), name
        assert 0.0 <= ours[name] <= 1.0


def test_overlap_is_zero_for_updates_orthogonal_to_both_spaces():
    # W_0 of rank 20; dW lives in the orthogonal complements of its column and row spaces.
    m, n, rank = 80, 60, 20
    u, v = _orthonormal(m, m, 7), _orthonormal(n, n, 8)
    w0 = (u[:, :rank] @ torch.diag(torch.linspace(3, 1, rank).double()) @ v[:, :rank].T).float()
    g = torch.Generator().manual_seed(9)
    dw = (u[:, rank:] @ torch.randn(m - rank, n - rank, generator=g, dtype=torch.float64) @ v[:, rank:].T).float()
    got = overlap_metrics(w0, dw, k=16)
    for name in ("m1", "m2", "m3", "m4"):
        assert got[name] == pytest.approx(0.0, abs=2e-5), name


@pytest.mark.parametrize("shape", [(80, 30), (30, 80)])
def test_overlap_is_one_when_the_update_is_the_weight(shape):
    # m1 and m3 are 1 exactly when W_0 has rank one (||W^T W||_F = ||W||_F^2); m2 and m4 whenever rank <= 16.
    g = torch.Generator().manual_seed(10)
    w0 = torch.outer(torch.randn(shape[0], generator=g), torch.randn(shape[1], generator=g))
    got = overlap_metrics(w0, w0.clone(), k=16)
    for name in ("m1", "m2", "m3", "m4"):
        assert got[name] == pytest.approx(1.0, abs=1e-5), name
    w12 = _with_spectrum(*shape, torch.linspace(4, 1, 12).double(), seed=11).float()
    got = overlap_metrics(w12, w12.clone(), k=16)
    assert got["m2"] == pytest.approx(1.0, abs=1e-5) and got["m4"] == pytest.approx(1.0, abs=1e-5)
    assert got["m1"] < 0.9 and got["m3"] < 0.9  # a rank-12 W is not its own rank-one direction


def test_top_singular_vectors_span_the_exact_subspaces():
    s = torch.cat([torch.linspace(10, 2, 16), torch.linspace(1, 0.1, 24)]).double()
    for shape in ((120, 40), (40, 120)):
        w = _with_spectrum(*shape, s, seed=12)
        u, sv, v = top_singular_vectors(w.float(), 16)
        ue, se, vhe = torch.linalg.svd(w, full_matrices=False)
        assert u.shape == (shape[0], 16) and v.shape == (shape[1], 16)
        assert torch.allclose(u.T.double() @ u.double(), torch.eye(16, dtype=torch.float64), atol=1e-5)
        # Same projectors as the exact SVD's top-16 vectors.
        assert torch.allclose((u @ u.T).double(), ue[:, :16] @ ue[:, :16].T, atol=1e-4)
        assert torch.allclose((v @ v.T).double(), vhe[:16].T @ vhe[:16], atol=1e-4)
        assert torch.allclose(sv.double(), se[:16], rtol=1e-4)
