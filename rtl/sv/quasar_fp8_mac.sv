// quasar_fp8_mac: a small-float multiply-accumulate unit (combinational; a PE would register its
// result) with an exact product and a fixed-point (Kulisch-style) accumulator. The golden step
// it implements is Fp8MacStep in models/include/quasar/models/fp8_mac.h; docs/number-formats.md
// ("The FP8 MAC") and decision 60 of docs/architecture.md explain the choices.
//
// Operands are codes of one format: sign, EXP_W exponent bits, MAN_W mantissa bits (OFP8 v1.0,
// its encoding tables; E4M3: EXP_W 4, MAN_W 3, BIAS 7, NAN_CODES 1; E5M2: EXP_W 5, MAN_W 2,
// BIAS 15, NAN_CODES 2). A finite code is (-1)^s * sig * 2^(e' - BIAS - MAN_W),
// sig = {e != 0, m}, e' = max(e, 1), so a product is (sig_a * sig_b) << (e'_a + e'_b - 2) units
// of 2^-F, F = 2 BIAS + 2 MAN_W - 2 (p_frac_bits): an integer, exact, never rounded (E4M3: F 18,
// 37 signed bits; E5M2: F 32, 65 signed bits, hence ACC_W up to 128). It is added to the two's
// complement accumulator acc_in of ACC_W bits, wrapping (the low ACC_W bits) or saturating to
// [-2^(ACC_W-1), 2^(ACC_W-1) - 1] (`saturate` pin) when the exact sum leaves that range, which
// raises `ovf`: the rule of AccumulateAddWide in models/include/quasar/models/accumulator.h, as
// quasar_mac.sv applies it.
// A NaN or infinite operand (NAN_CODES 1: only S.1..1 is NaN, E4M3; 2: exponent all ones is
// infinity or NaN, E5M2; 0: none) adds nothing and raises nan_out; nan_out = nan_in | that,
// so the flag is sticky when the PE feeds it back.
module quasar_fp8_mac #(
    parameter int EXP_W = 4,
    parameter int MAN_W = 3,
    parameter int BIAS = 7,  // sets only the scale of the accumulator's LSB, 2^-p_frac_bits
    parameter int NAN_CODES = 1,  // 0 none, 1 all-ones code (E4M3), 2 IEEE-style (E5M2)
    parameter int ACC_W = 48  // accumulator bits, 8..128
) (
    input  logic                   saturate,  // 1: saturate on overflow, 0: wrap
    input  logic [EXP_W+MAN_W:0]   a,
    input  logic [EXP_W+MAN_W:0]   b,
    input  logic [      ACC_W-1:0] acc_in,
    input  logic                   nan_in,
    output logic [      ACC_W-1:0] acc_out,
    output logic                   nan_out,
    output logic                   ovf,
    output logic [           31:0] p_frac_bits,  // F: acc_out counts units of 2^-F
    output logic [           31:0] p_acc_w
);
  if (EXP_W < 2 || MAN_W < 1 || ACC_W < 8 || ACC_W > 128) begin : g_param_check
    $error("quasar_fp8_mac: needs EXP_W >= 2, MAN_W >= 1, ACC_W 8..128 (EXP_W=%0d, MAN_W=%0d, ACC_W=%0d)",
           EXP_W, MAN_W, ACC_W);
  end
  localparam int CW = 1 + EXP_W + MAN_W;  // a code
  localparam int SIGW = MAN_W + 1;  // a significand, hidden bit included
  // The largest exponent field of a finite code.
  localparam int EMAX = (NAN_CODES == 2) ? (1 << EXP_W) - 2 : (1 << EXP_W) - 1;
  // A product's magnitude: sig_a * sig_b < 2^(2 SIGW), shifted by at most 2 EMAX - 2.
  localparam int MW = 2 * SIGW + 2 * (EMAX - 1);
  // The exact sum of the accumulator and one product.
  localparam int SW = ((ACC_W > MW + 1) ? ACC_W : MW + 1) + 1;
  localparam logic signed [SW-1:0] MaxAcc = SW'({1'b0, {(ACC_W - 1) {1'b1}}});
  localparam logic signed [SW-1:0] MinAcc = -MaxAcc - SW'(1);

  assign p_frac_bits = 2 * BIAS + 2 * MAN_W - 2;
  assign p_acc_w = ACC_W;

  // x: a code without its sign bit.
  function automatic logic non_finite(input logic [CW-2:0] x);
    if (NAN_CODES == 1) non_finite = &x;
    else if (NAN_CODES == 2) non_finite = &x[CW-2:MAN_W];
    else non_finite = 1'b0;
  endfunction

  // The exact product of two finite codes in units of 2^-F, sign-extended to SW bits.
  function automatic logic signed [SW-1:0] product(input logic [CW-1:0] x,
                                                   input logic [CW-1:0] y);
    logic [EXP_W-1:0] ex, ey;
    logic [SIGW-1:0] sx, sy;
    logic [2*SIGW-1:0] sp;
    logic [EXP_W:0] shift;  // e'_x + e'_y - 2 <= 2 EMAX - 2 < 2^(EXP_W + 1)
    logic [MW-1:0] mag;
    logic signed [SW-1:0] p;
    ex = x[MAN_W+:EXP_W];
    ey = y[MAN_W+:EXP_W];
    sx = {|ex, x[MAN_W-1:0]};
    sy = {|ey, y[MAN_W-1:0]};
    sp = {{SIGW{1'b0}}, sx} * {{SIGW{1'b0}}, sy};
    shift = {1'b0, (ex == '0) ? EXP_W'(1) : ex} + {1'b0, (ey == '0) ? EXP_W'(1) : ey} -
        (EXP_W + 1)'(2);
    mag = {{(MW - 2 * SIGW) {1'b0}}, sp} << shift;
    p = $signed({{(SW - MW) {1'b0}}, mag});
    product = (x[CW-1] ^ y[CW-1]) ? -p : p;
  endfunction

  always_comb begin
    logic signed [SW-1:0] s;
    logic o;
    s = $signed({{(SW - ACC_W) {acc_in[ACC_W-1]}}, acc_in}) + product(a, b);
    o = (s > MaxAcc) || (s < MinAcc);
    if (non_finite(a[CW-2:0]) || non_finite(b[CW-2:0])) begin
      acc_out = acc_in;  // nothing added
      ovf = 1'b0;
      nan_out = 1'b1;
    end else begin
      ovf = o;
      nan_out = nan_in;
      if (o && saturate) acc_out = (s > MaxAcc) ? MaxAcc[ACC_W-1:0] : MinAcc[ACC_W-1:0];
      else acc_out = s[ACC_W-1:0];  // in range, or wrapped: the low ACC_W bits
    end
  end
endmodule
