// quasar_mac: the integer multiply-accumulate unit of one PE (combinational; the PE registers
// its result).
//
// Each cycle it adds LANES products a[l] * w[l] into the accumulator value acc_in, one
// accumulator addition per product in lane order (lane 0 first), each addition wrapping
// (two's complement, the low ACC_W bits) or saturating to [-2^(ACC_W-1), 2^(ACC_W-1) - 1] when
// the exact sum leaves that range. This is the models' accumulator, AccumulateAdd in
// models/include/quasar/models/accumulator.h, applied per product as the golden kernels do.
//   - LANES = 1 is the plain MAC.
//   - LANES > 1 is the precision-scaled MAC: several narrow products per cycle (Bit Fusion,
//     Sharma et al., ISCA 2018), as the compiler packs `pack` consecutive reduction elements
//     into one PE cycle (compiler/include/quasar/compiler/schedule.h). Unused lanes carry 0.
//   - xnor_mode: binary operands (+1, -1, or 0 for an unused lane) in the low two bits of each
//     lane (01, 11, 00), multiplied by XNOR and summed by popcount, then added to the
//     accumulator once: sum = popcount(valid & xnor) - popcount(valid & xor) (XNOR-Net,
//     Rastegari et al., ECCV 2016), which equals the sum of the +-1 products.
// Operands are two's complement when SIGNED, unsigned otherwise. `ovf` counts the additions of
// this cycle that left the accumulator's range.
module quasar_mac #(
    parameter int A_W = 9,  // bits of each activation lane
    parameter int W_W = 9,  // bits of each weight lane
    parameter int LANES = 1,  // products per cycle, 1..1024
    parameter int ACC_W = 32,  // accumulator bits, 8..64
    parameter int SIGNED = 1
) (
    input  logic                 saturate,   // 1: saturate on overflow, 0: wrap
    input  logic                 xnor_mode,  // binary lanes: one addition of an XNOR-popcount
    input  logic [LANES*A_W-1:0] a,
    input  logic [LANES*W_W-1:0] w,
    input  logic [    ACC_W-1:0] acc_in,
    output logic [    ACC_W-1:0] acc_out,
    output logic [         15:0] ovf
);
  // XNOR mode reads two bits per lane (valid, sign).
  if (A_W < 2 || W_W < 2) begin : g_lane_width_check
    $error("quasar_mac: lanes must be at least 2 bits wide (A_W=%0d, W_W=%0d)", A_W, W_W);
  end
  localparam int PW = A_W + W_W + 1;  // a product, with room for an unsigned one's sign
  localparam int CW = 12;  // an XNOR-popcount sum: |sum| <= 1024
  // The exact sum of the accumulator and one product or popcount sum.
  localparam int SW = ((ACC_W > PW) ? ((ACC_W > CW) ? ACC_W : CW) : ((PW > CW) ? PW : CW)) + 1;
  localparam logic signed [SW-1:0] MaxAcc = SW'({1'b0, {(ACC_W - 1) {1'b1}}});
  localparam logic signed [SW-1:0] MinAcc = -MaxAcc - SW'(1);

  // acc + v through the accumulator; o = the addition overflowed.
  function automatic logic [ACC_W-1:0] add(input logic [ACC_W-1:0] acc,
                                           input logic signed [SW-1:0] v, output logic o);
    logic signed [SW-1:0] s;
    s = $signed({{(SW - ACC_W) {acc[ACC_W-1]}}, acc}) + v;
    o = (s > MaxAcc) || (s < MinAcc);
    if (o && saturate) begin
      add = (s > MaxAcc) ? MaxAcc[ACC_W-1:0] : MinAcc[ACC_W-1:0];
    end else begin
      add = s[ACC_W-1:0];  // in range, or wrapped: the low ACC_W bits
    end
  endfunction

  function automatic logic signed [SW-1:0] product(input logic [A_W-1:0] x,
                                                   input logic [W_W-1:0] y);
    logic signed [PW-1:0] xs, ys, p;
    xs = $signed({{(PW - A_W) {(SIGNED != 0) && x[A_W-1]}}, x});
    ys = $signed({{(PW - W_W) {(SIGNED != 0) && y[W_W-1]}}, y});
    p = xs * ys;  // |x * y| < 2^(A_W + W_W): exact in PW bits
    product = $signed({{(SW - PW) {p[PW-1]}}, p});
  endfunction

  always_comb begin
    logic [ACC_W-1:0] v;
    logic o;
    logic signed [SW-1:0] chunk;
    logic [15:0] n;
    v = acc_in;
    n = 16'd0;
    chunk = '0;
    if (xnor_mode) begin
      for (int l = 0; l < LANES; l++) begin
        // bit 0: the lane holds an operand; bit 1: its sign.
        if (a[l*A_W] && w[l*W_W]) begin
          chunk = (a[l*A_W+1] ^ w[l*W_W+1]) ? chunk - SW'(1) : chunk + SW'(1);
        end
      end
      v = add(v, chunk, o);
      n = {15'd0, o};
    end else begin
      for (int l = 0; l < LANES; l++) begin
        v = add(v, product(a[l*A_W+:A_W], w[l*W_W+:W_W]), o);
        n = n + {15'd0, o};
      end
    end
    acc_out = v;
    ovf = n;
  end
endmodule
