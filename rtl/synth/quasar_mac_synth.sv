// quasar_mac_synth: a synthesis-only wrapper of quasar_mac (rtl/sv/quasar_mac.sv) that ties the
// runtime mode inputs to constants, so that yosys (rtl/synth/synth_mac.sh) removes the path a
// configuration never uses and counts the cells of one MAC mode only.
//   - XNOR = 0: the integer MAC; xnor_mode is tied low and the XNOR-popcount path disappears.
//   - XNOR = 1: the binary MAC; xnor_mode is tied high and the multipliers disappear, leaving per
//     lane the XNOR of the two sign bits gated by the two valid bits, the popcount sum and one
//     accumulator addition (quasar_mac's header: operands +1/-1/0 coded 01/11/00 in the low two
//     bits of each lane, so a binary lane needs A_W = W_W = 2).
//   - SATURATE: the overflow mode, tied (0: wrap, the presets' mode; 1: saturate). The overflow
//     detection stays in both cases: it drives the ovf output the array counts.
// Not part of the simulated RTL; only synth_mac.sh reads it.
module quasar_mac_synth #(
    parameter int A_W = 8,
    parameter int W_W = 8,
    parameter int LANES = 1,
    parameter int ACC_W = 32,
    parameter int SIGNED = 1,
    parameter int XNOR = 0,     // 1: xnor_mode tied high, 0: tied low
    parameter int SATURATE = 0  // 1: saturate tied high, 0: tied low (wrap)
) (
    input  logic [LANES*A_W-1:0] a,
    input  logic [LANES*W_W-1:0] w,
    input  logic [    ACC_W-1:0] acc_in,
    output logic [    ACC_W-1:0] acc_out,
    output logic [         15:0] ovf
);
  quasar_mac #(
      .A_W(A_W),
      .W_W(W_W),
      .LANES(LANES),
      .ACC_W(ACC_W),
      .SIGNED(SIGNED)
  ) u_mac (
      .saturate(SATURATE != 0),
      .xnor_mode(XNOR != 0),
      .a(a),
      .w(w),
      .acc_in(acc_in),
      .acc_out(acc_out),
      .ovf(ovf)
  );
endmodule
