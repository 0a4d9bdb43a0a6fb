"""E-Divisive means: change points in a series, with a permutation test.

The method of Matteson and James ("A nonparametric approach for multiple
change point analysis of multivariate data", JASA 2014), as MongoDB applies it
to performance histories (Daly et al., ICPE 2020), written here with numpy.

For a segment x[0:n) and a split at t (left x[0:t), right x[t:n)), with
alpha = 1 (plain distances):

    E(t) = 2/(t(n-t)) sum|l - r|  -  1/C(t,2) sum|l - l'|  -  1/C(n-t,2) sum|r - r'|
    Q(t) = t(n-t)/n * E(t)

E is the energy distance between the two sides: zero when they come from one
distribution, positive when they differ (in mean or otherwise).  The candidate
is the t of largest Q.  Is it real?  Shuffle the segment, which destroys any
change, and take the largest Q again; over R shuffles, the p-value is
(number of shuffles at least as large + 1) / (R + 1).  Divisive: while the
best candidate over all current segments is significant, split there and go
on.  When several segments exist, a shuffle permutes within each one and the
test takes the largest Q over all of them, as the candidate was chosen that way.

For every point, the distances to the points before it and after it (two row
sums of the distance matrix) give all three sums for every t as running
totals, so all t of a segment cost O(n^2) together, and R shuffles are one
batched numpy computation.
"""

from dataclasses import dataclass

import numpy as np

# Elements of the batched R x n x n distance array per chunk (about 32 MB).
_CHUNK_ELEMENTS = 4_000_000


@dataclass
class ChangePoint:
    index: int        # first point of the new segment
    p_value: float
    q: float          # the statistic at the split
    permutations: int  # shuffles actually drawn (the test stops early once p cannot reach alpha)


def _best_split(x, min_size):
    """Largest Q over the allowed splits of each row of x (shape R x n): (Q, t) arrays."""
    r, n = x.shape
    taus = np.arange(min_size, n - min_size + 1)
    if taus.size == 0:
        return np.full(r, -np.inf), np.zeros(r, dtype=int)
    d = np.abs(x[:, :, None] - x[:, None, :])
    # before[i] = sum over j < i of |x_i - x_j|; after[i] = the same over j > i.
    before = np.einsum("rij,ij->ri", d, np.tri(n, n, -1))
    after = d.sum(axis=2) - before
    zero = np.zeros((r, 1))
    inside_left = np.concatenate([zero, before.cumsum(axis=1)], axis=1)        # pairs in [0,t), t = 0..n
    inside_right = np.concatenate([after[:, ::-1].cumsum(axis=1)[:, ::-1], zero], axis=1)  # pairs in [t,n)
    total = inside_left[:, n:n + 1]
    left, right = inside_left[:, taus], inside_right[:, taus]
    cross = total - left - right
    m = taus.astype(float)
    k = n - m
    e = 2 * cross / (m * k) - left / (m * (m - 1) / 2) - right / (k * (k - 1) / 2)
    q = m * k / n * e
    best = q.argmax(axis=1)
    return q[np.arange(r), best], taus[best]


def _segments(bounds):
    return list(zip(bounds[:-1], bounds[1:]))


def e_divisive(values, alpha=0.01, permutations=199, min_size=5, seed=1):
    """Change points of values (a sequence of numbers), most significant first found.

    alpha: the largest p-value accepted; permutations: shuffles per test;
    min_size: fewest points a segment may have (each side of a split).
    Returns [ChangePoint] sorted by index."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if min_size < 2:
        raise ValueError("min_size must be at least 2")
    rng = np.random.default_rng(seed)
    bounds = [0, n]
    found = []
    while True:
        segs = _segments(bounds)
        best = (-np.inf, None, None)
        for a, b in segs:
            q, t = _best_split(x[None, a:b], min_size)
            if q[0] > best[0]:
                best = (q[0], a, a + int(t[0]))
        q_obs, seg_start, split = best
        if split is None or not np.isfinite(q_obs):
            break
        # Stop drawing shuffles as soon as the p-value can no longer reach alpha.
        give_up = int(np.floor(alpha * (permutations + 1) + 1e-9)) - 1  # most exceedances still significant
        exceed, drawn = 0, 0
        longest = max(b - a for a, b in segs)
        chunk = max(1, min(permutations, _CHUNK_ELEMENTS // (longest * longest)))
        while drawn < permutations and exceed <= give_up:
            size = min(chunk, permutations - drawn)
            top = np.full(size, -np.inf)
            for a, b in segs:
                if b - a < 2 * min_size:
                    continue
                seg = np.tile(x[a:b], (size, 1))
                shuffled = rng.permuted(seg, axis=1)
                q, _ = _best_split(shuffled, min_size)
                top = np.maximum(top, q)
            # A tiny tolerance so ties with the observed value count as exceedances.
            exceed += int(np.count_nonzero(top >= q_obs * (1 - 1e-12)))
            drawn += size
        p = (exceed + 1) / (drawn + 1)
        if exceed > give_up or p > alpha:
            break
        found.append(ChangePoint(split, p, float(q_obs), drawn))
        bounds = sorted(bounds + [split])
    return sorted(found, key=lambda c: c.index)


def segment_medians(values, change_points):
    """[(start, end, median)] of the segments the change points cut values into."""
    x = np.asarray(values, dtype=float)
    bounds = [0, *(c.index for c in change_points), x.size]
    return [(a, b, float(np.median(x[a:b]))) for a, b in _segments(bounds)]
