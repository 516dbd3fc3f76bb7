r"""Heat fluctuations: exact counting statistics of the measured heat currents, and the same from shot records.

What is measured: every ancilla's energy, right after its collision (an end-point measurement,
what the device protocol's mid-circuit measurements record). A two-point measurement would
also measure it before, dephasing it and erasing the coherence that drives the reversal of the
current (:mod:`.branches`).

* :mod:`.branches` -- :func:`site_branch_channels`, :func:`counting_map`: the step split by
  measurement outcome, from the network's one compiled step; the tilted map.
* :mod:`.finite` -- :func:`heat_statistics`: cumulants of :math:`Q_r(n)` for any n by the exact
  derivative recursion, the exact distribution for small n, joint statistics of two reservoirs.
* :mod:`.spectral` / :mod:`.long_time` -- :func:`current_fluctuations`, :func:`fluctuation_scan`:
  the SCGF's derivatives by perturbation theory: mean current, noise, Fano factor, TUR ratio.
* :mod:`.production` -- steady entropy production per step of a network (the TUR's σ).
* :mod:`.shots` -- per-shot cumulative heats from recorded bits, χ² comparison with the exact
  (or device-noise, :func:`noisy_counting_map`) distribution.
* :mod:`.plot` -- :func:`plot_fluctuation_scan`.
"""

from .branches import MEASUREMENTS, CountingMap, counting_map, noisy_counting_map, site_branch_channels
from .finite import HeatStatistics, heat_statistics
from .long_time import CurrentFluctuations, FluctuationScan, current_fluctuations, fluctuation_scan
from .plot import plot_fluctuation_scan
from .production import clausius_flow, steady_entropy_production_rate
from .shots import ShotComparison, compare_with_shots, cumulative_heats_from_bits, sample_cumulative_heats

__all__ = [
    "MEASUREMENTS",
    "CountingMap",
    "CurrentFluctuations",
    "FluctuationScan",
    "HeatStatistics",
    "ShotComparison",
    "clausius_flow",
    "compare_with_shots",
    "counting_map",
    "cumulative_heats_from_bits",
    "current_fluctuations",
    "fluctuation_scan",
    "heat_statistics",
    "noisy_counting_map",
    "plot_fluctuation_scan",
    "sample_cumulative_heats",
    "site_branch_channels",
    "steady_entropy_production_rate",
]
