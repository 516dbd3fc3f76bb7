r"""Taking the collision model to a quantum computer.

* :mod:`.protocol` -- :func:`hardware_circuit`: the flat device circuit, every ancilla
  measured mid-circuit right before its reset (registers ``hot`` and ``cold``, bit k-1
  = collision k).
* :mod:`.transpile` -- :func:`transpile_protocol`: layout on a chain of six connected
  qubits with good error rates, one transpiled and scheduled collision block reused n
  times, gate counts, depth and durations per collision against :math:`T_1, T_2`.
* :mod:`.sampling` -- :func:`estimate_heat_currents`: :math:`J_h(k), J_c(k)` and the
  steady currents with honest standard errors, through any ``SamplerV2`` (Aer, fake
  backends, or an IBM device through qiskit-ibm-runtime).
* :mod:`.readout` -- :func:`assignment_matrix`: a qubit's asymmetric readout,
  :math:`A[r, b] = P(\text{measured } r | \text{prepared } b)`, as the device reports it
  (target, else ``backend.properties()``).
* :mod:`.noise_map` -- :class:`NoisyCollisionMap`: the 16×16 map of one transpiled,
  noise-annotated collision, giving noisy trajectories, steady states and exact shot
  statistics in milliseconds; :func:`aer_reference`: the same from a full Aer
  density-matrix run.
* :mod:`.observability` -- :func:`observability_study`: exact current, device
  prediction, shots needed for the sign at 3 sigma, and the thermal control.
* :mod:`.mitigation` -- :func:`mitigation_study`: readout mitigation, Pauli twirling,
  dynamical decoupling and zero-noise extrapolation for the mid-circuit-measurement
  protocol; bias of the tail current and shot cost of each.
* :mod:`.steady_protocol` -- :func:`steady_protocol_study`: start the device at the
  exact steady state and read the current over a few collisions (the paper's
  :math:`\gamma = \pi/32`).
* Collision networks: :func:`hardware_circuit`, :func:`transpile_protocol`,
  :func:`estimate_heat_currents` and :func:`noisy_collision_map` accept a
  :class:`~circuitheat.CollisionNetwork` (:mod:`.network_protocol`: one measured ancilla per
  collision; :mod:`.network_layout`: embedding of the network's coupling graph,
  :mod:`.network_routing`: SABRE routing with restored sites when it does not embed;
  :mod:`.network_transpile`, :mod:`.network_noise`, :mod:`.network_sampling`).
"""

from .mitigation import MitigationStudy, estimate_mitigated_current, format_mitigation_table, mitigation_study, mitigation_table
from .network_layout import NetworkLayoutChoice, choose_network_layout, network_coupling_graph
from .network_noise import NetworkPrediction, NoisyNetworkMap, noisy_network_map
from .network_protocol import network_hardware_block, network_hardware_circuit, network_preparation
from .network_sampling import NetworkCurrentEstimate, estimate_network_currents, network_currents_from_bits
from .network_transpile import TranspiledNetworkProtocol, transpile_network_protocol
from .noise_map import NoisyCollisionMap, NoisyPrediction, TailStatistics, aer_reference, noisy_collision_map
from .observability import ObservabilityReport, observability_study, shots_for_sign, thermal_control
from .protocol import (
    COLD_REGISTER,
    DEFAULT_ENCODING,
    ENCODINGS,
    HOT_REGISTER,
    hardware_block,
    hardware_circuit,
    hardware_prefix,
    hardware_preparation,
)
from .readout import assignment_from_errors, assignment_matrices, assignment_matrix, readout_errors
from .sampling import HeatCurrentEstimate, bits_from_result, device_sampler, estimate_heat_currents, heat_currents_from_bits
from .simulators import device_noise_model, device_simulator
from .steady_protocol import SteadyProtocolStudy, estimate_steady_protocol, predict_steady_protocol, steady_protocol_study
from .transpile import (
    LayoutChoice,
    TranspiledProtocol,
    choose_layout,
    dephasing_inconsistent_qubits,
    fake_backend_names,
    resolve_backend,
    transpile_protocol,
)

__all__ = [
    "COLD_REGISTER",
    "DEFAULT_ENCODING",
    "ENCODINGS",
    "HOT_REGISTER",
    "HeatCurrentEstimate",
    "LayoutChoice",
    "MitigationStudy",
    "NetworkCurrentEstimate",
    "NetworkLayoutChoice",
    "NetworkPrediction",
    "NoisyCollisionMap",
    "NoisyNetworkMap",
    "NoisyPrediction",
    "ObservabilityReport",
    "SteadyProtocolStudy",
    "TailStatistics",
    "TranspiledNetworkProtocol",
    "TranspiledProtocol",
    "aer_reference",
    "assignment_from_errors",
    "assignment_matrices",
    "assignment_matrix",
    "bits_from_result",
    "choose_layout",
    "choose_network_layout",
    "dephasing_inconsistent_qubits",
    "device_noise_model",
    "device_sampler",
    "device_simulator",
    "estimate_heat_currents",
    "estimate_mitigated_current",
    "estimate_network_currents",
    "estimate_steady_protocol",
    "fake_backend_names",
    "format_mitigation_table",
    "hardware_block",
    "hardware_circuit",
    "hardware_prefix",
    "hardware_preparation",
    "heat_currents_from_bits",
    "mitigation_study",
    "mitigation_table",
    "network_coupling_graph",
    "network_currents_from_bits",
    "network_hardware_block",
    "network_hardware_circuit",
    "network_preparation",
    "noisy_collision_map",
    "noisy_network_map",
    "observability_study",
    "predict_steady_protocol",
    "readout_errors",
    "resolve_backend",
    "shots_for_sign",
    "steady_protocol_study",
    "thermal_control",
    "transpile_network_protocol",
    "transpile_protocol",
]
