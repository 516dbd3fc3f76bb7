OPENQASM 3.0;
// circuitheat: one collision step (purification preparation)
// model: gamma=pi/32 delta=pi/4 omega=1.0
//   hot:  T=2.0 p=0.8 phi=0
//   cold: T=1.0 p=0.8 phi=0
// qubits (Qiskit index=register): 0=s_a, 1=s_b, 2=r_h, 3=r_c, 4=p_h, 5=p_c
//   s_a, s_b: system S_A, S_B; r_h, r_c: hot/cold ancilla (reset and re-prepared every collision);
//   p_h, p_c: purifying partners (the ancilla marginal is the reservoir state, Eq. 12),
//   prepared in Schmidt form with one cx each (ry, cx, ry, p).
// |0> is the excited level of H = (omega/2) sigma_z, |1> the ground level.
// pswap(theta) = exp(i theta SWAP) up to a global phase exp(-i theta/2) (not expressible here).
// regenerate: circuitheat export-qasm --out circuits/
include "stdgates.inc";
gate rxx(p0) _gate_q_0, _gate_q_1 {
  h _gate_q_0;
  h _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  rz(p0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  h _gate_q_1;
  h _gate_q_0;
}
gate sxdg _gate_q_0 {
  s _gate_q_0;
  h _gate_q_0;
  s _gate_q_0;
}
gate ryy(p0) _gate_q_0, _gate_q_1 {
  sxdg _gate_q_0;
  sxdg _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  rz(p0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  sx _gate_q_0;
  sx _gate_q_1;
}
gate rzz(p0) _gate_q_0, _gate_q_1 {
  cx _gate_q_0, _gate_q_1;
  rz(p0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
}
gate pswap(theta) _gate_q_0, _gate_q_1 {
  rxx(-theta) _gate_q_0, _gate_q_1;
  ryy(-theta) _gate_q_0, _gate_q_1;
  rzz(-theta) _gate_q_0, _gate_q_1;
}
qubit[1] s_a;
qubit[1] s_b;
qubit[1] r_h;
qubit[1] r_c;
qubit[1] p_h;
qubit[1] p_c;
reset r_h[0];
reset p_h[0];
ry(0.620849299520576) r_h[0];
cx r_h[0], p_h[0];
ry(1.8766533037402784) r_h[0];
p(0) r_h[0];
reset r_c[0];
reset p_c[0];
ry(0.5610686698063819) r_c[0];
cx r_c[0], p_c[0];
ry(2.14813342818247) r_c[0];
p(0) r_c[0];
pswap(pi/4) s_a[0], s_b[0];
pswap(pi/32) s_a[0], r_h[0];
pswap(pi/32) s_b[0], r_c[0];
