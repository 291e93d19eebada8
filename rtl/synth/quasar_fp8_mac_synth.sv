// quasar_fp8_mac_synth: a synthesis-only wrapper of quasar_fp8_mac (rtl/sv/quasar_fp8_mac.sv)
// that ties the overflow mode to a constant (SATURATE: 0 wrap, 1 saturate), as
// quasar_mac_synth.sv does for the integer MAC, so that yosys (rtl/synth/synth_mac.sh) counts the
// cells of one mode. The NaN detection and the sticky flag stay. The identification outputs
// p_* are constants and are left out. Not part of the simulated RTL.
module quasar_fp8_mac_synth #(
    parameter int EXP_W = 4,
    parameter int MAN_W = 3,
    parameter int BIAS = 7,
    parameter int NAN_CODES = 1,
    parameter int ACC_W = 48,
    parameter int SATURATE = 0
) (
    input  logic [EXP_W+MAN_W:0] a,
    input  logic [EXP_W+MAN_W:0] b,
    input  logic [    ACC_W-1:0] acc_in,
    input  logic                 nan_in,
    output logic [    ACC_W-1:0] acc_out,
    output logic                 nan_out,
    output logic                 ovf
);
  logic [31:0] unused_frac_bits, unused_acc_w;
  quasar_fp8_mac #(
      .EXP_W(EXP_W),
      .MAN_W(MAN_W),
      .BIAS(BIAS),
      .NAN_CODES(NAN_CODES),
      .ACC_W(ACC_W)
  ) u_mac (
      .saturate(SATURATE != 0),
      .a(a),
      .b(b),
      .acc_in(acc_in),
      .nan_in(nan_in),
      .acc_out(acc_out),
      .nan_out(nan_out),
      .ovf(ovf),
      .p_frac_bits(unused_frac_bits),
      .p_acc_w(unused_acc_w)
  );
endmodule
