// quasar_mx_dot: the dot product of two MX blocks (combinational; a PE would register its
// result), as OCP Microscaling Formats (MX) v1.0 section 6.1 defines it:
//   Dot(A, B) = X_A * X_B * sum_i (P_A,i * P_B,i).
// The golden rule it implements is step 1 of models/include/quasar/models/ref/mx_gemm.h: every
// finite element is an integer number of its format's quantum 2^q (MxElementUnits), so the sum
// of the N element products is an exact integer in units of 2^(2q) (`sum`), never rounded.
// The shared scales are not multiplied: they add as exponents (`scale_exp` = X_A + X_B in
// 2^k, E8M0 codes minus twice the bias 127), and the post unit rounds sum * 2^(2q + scale_exp)
// once to float32 (MxBlockSumToFloat, step 2). docs/number-formats.md, "The MX dot-product
// unit", explains the choices.
//
// Elements of one format (MX v1.0 Table 1): INT_ELEM 1 is MXINT8's 8-bit two's complement (q =
// -6); otherwise a small float of EXP_W exponent and MAN_W mantissa bits (OFP8 v1.0 for FP8;
// MX v1.0 section 5.3 for FP6 and FP4), whose finite code is
//   (-1)^s * sig * 2^(e' - BIAS - MAN_W) = (-1)^s * (sig << (e' - 1)) units of 2^(1 - BIAS - MAN_W),
// sig = {e != 0, m}, e' = max(e, 1). A product is then (sig_a * sig_b) << (e'_a + e'_b - 2)
// units of 2^(2q): the significands are multiplied and the product shifted into one fixed
// point, which is the alignment to the shared exponent the MX dot product needs (as
// quasar_fp8_mac does for one product).
// A NaN or infinite element (NAN_CODES 1: S.1..1, E4M3; 2: exponent all ones, E5M2; 0: none)
// adds nothing and raises `special`: the golden kernel sums such a block in IEEE arithmetic
// instead, which is the post unit's. A NaN scale (0xFF) raises `nan`.
module quasar_mx_dot #(
    parameter int N = 32,  // elements per block
    parameter int INT_ELEM = 0,  // 1: MXINT8 elements
    parameter int EXP_W = 2,
    parameter int MAN_W = 1,
    parameter int BIAS = 1,
    parameter int NAN_CODES = 0,  // 0 none, 1 all-ones code (E4M3), 2 IEEE-style (E5M2)
    // An element code.
    localparam int CW = (INT_ELEM != 0) ? 8 : 1 + EXP_W + MAN_W,
    // The largest exponent field of a finite code.
    localparam int EMAX = (NAN_CODES == 2) ? (1 << EXP_W) - 2 : (1 << EXP_W) - 1,
    // A product of two elements in units of 2^(2q), signed: MXINT8 16 bits; a float
    // (sig_a * sig_b) << (e'_a + e'_b - 2), 2 (MAN_W + 1) + 2 (EMAX - 1) magnitude bits.
    localparam int PW = (INT_ELEM != 0) ? 16 : 2 * (MAN_W + 1) + 2 * (EMAX - 1) + 1,
    // The exact sum of N such products.
    localparam int SUM_W = PW + $clog2(N)
) (
    input  logic        [ N*CW-1:0] a,  // element i at bits [i*CW +: CW]
    input  logic        [ N*CW-1:0] b,
    input  logic        [      7:0] scale_a,  // E8M0
    input  logic        [      7:0] scale_b,
    output logic signed [SUM_W-1:0] sum,  // units of 2^(2q)
    output logic signed [      9:0] scale_exp,  // X_A * X_B = 2^scale_exp
    output logic                    nan,  // a scale is NaN
    output logic                    special,  // an element is NaN or infinite
    output logic        [     31:0] p_sum_w,
    output logic signed [     31:0] p_quantum_exp  // 2q
);
  localparam int QEXP = (INT_ELEM != 0) ? -6 : 1 - BIAS - MAN_W;

  if (N < 1 || (INT_ELEM == 0 && (EXP_W < 1 || MAN_W < 1))) begin : g_param_check
    $error("quasar_mx_dot: needs N >= 1 and, for float elements, EXP_W >= 1 and MAN_W >= 1");
  end

  assign p_sum_w = SUM_W;
  assign p_quantum_exp = 2 * QEXP;

  // The exact product of two float codes in units of 2^(2q), signed: the significands
  // multiplied, then shifted (the product is aligned, not the elements; as quasar_fp8_mac).
  localparam int SIGW = MAN_W + 1;
  function automatic logic signed [PW-1:0] float_product(input logic [CW-1:0] x,
                                                         input logic [CW-1:0] y);
    logic [EXP_W-1:0] ex, ey;
    logic [2*SIGW-1:0] sp;
    logic [EXP_W:0] shift;  // e'_x + e'_y - 2 <= 2 EMAX - 2 < 2^(EXP_W + 1)
    logic [PW-1:0] mag;
    ex = x[MAN_W+:EXP_W];
    ey = y[MAN_W+:EXP_W];
    sp = {{SIGW{1'b0}}, |ex, x[MAN_W-1:0]} * {{SIGW{1'b0}}, |ey, y[MAN_W-1:0]};
    shift = {1'b0, (ex == '0) ? EXP_W'(1) : ex} + {1'b0, (ey == '0) ? EXP_W'(1) : ey} -
        (EXP_W + 1)'(2);
    mag = PW'(sp) << shift;
    float_product = (x[CW-1] ^ y[CW-1]) ? -$signed(mag) : $signed(mag);
  endfunction

  // Lane i's product (bits [i*PW +: PW] of prod), and whether an element is not finite (nf[i]).
  logic [N*PW-1:0] prod;
  logic [N-1:0] nf;
  for (genvar i = 0; i < N; i = i + 1) begin : g_lane
    logic [CW-1:0] x, y;
    assign x = a[i*CW+:CW];
    assign y = b[i*CW+:CW];
    if (INT_ELEM != 0) begin : g_int
      // Sign and magnitude (|-128| = 128 needs the 8 bits), as the float path multiplies.
      logic [7:0] mx, my;
      logic [15:0] mp;
      assign mx = x[7] ? -x : x;
      assign my = y[7] ? -y : y;
      assign mp = {8'b0, mx} * {8'b0, my};
      assign prod[i*PW+:PW] = (x[7] ^ y[7]) ? -mp : mp;
    end else begin : g_float
      assign prod[i*PW+:PW] = float_product(x, y);
    end
    if (INT_ELEM == 0 && NAN_CODES == 1) begin : g_nan_all_ones
      assign nf[i] = (&x[CW-2:0]) || (&y[CW-2:0]);
    end else if (INT_ELEM == 0 && NAN_CODES == 2) begin : g_nan_ieee
      assign nf[i] = (&x[CW-2:MAN_W]) || (&y[CW-2:MAN_W]);
    end else begin : g_nan_none
      assign nf[i] = 1'b0;
    end
  end

  always_comb begin
    logic signed [SUM_W-1:0] s;
    logic sp;
    s = '0;
    sp = 1'b0;
    for (int i = 0; i < N; i = i + 1) begin
      if (nf[i]) sp = 1'b1;  // adds nothing
      else s = s + SUM_W'($signed(prod[i*PW+:PW]));
    end
    sum = s;
    special = sp;
    scale_exp = $signed({2'b00, scale_a}) + $signed({2'b00, scale_b}) - 10'sd254;
    nan = (scale_a == 8'hFF) || (scale_b == 8'hFF);
  end
endmodule
