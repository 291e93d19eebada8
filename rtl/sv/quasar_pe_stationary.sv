// quasar_pe_stationary: a weight- or input-stationary PE. It holds a stationary operand vector
// s_q (ws: weights, is: inputs), passes the moving operand x east, and adds x . s to the
// partial sum arriving from the PE above, passing the result down (SCALE-Sim's ws and is
// dataflows; the register behaviour of sim/cycle/include/quasar/sim/cycle/array_if.h). ws and
// is share this PE: they differ in which operand the sequencer preloads (tile_runner.h).
//   shift:   s_q <= s_in (the stationary operands move one row down); x_q cleared
//   compute: x_q <= x_in, psum_q <= psum_in + x_in . s_q (quasar_mac)
// `stuck` forces bit `stuck_bit` of every value written to psum_q to 1 (fault injection).
module quasar_pe_stationary #(
    parameter int X_W = 9,  // bits of each moving lane
    parameter int S_W = 9,  // bits of each stationary lane
    parameter int LANES = 1,
    parameter int ACC_W = 32,
    parameter int SIGNED = 1
) (
    input  logic                 clk,
    input  logic                 clear,
    input  logic                 shift,
    input  logic                 saturate,
    input  logic                 xnor_mode,
    input  logic                 stuck,
    input  logic [          5:0] stuck_bit,
    input  logic [LANES*X_W-1:0] x_in,       // from the west neighbour (or the west edge)
    input  logic [LANES*S_W-1:0] s_in,       // from the PE above (shift)
    input  logic [    ACC_W-1:0] psum_in,    // from the PE above (compute)
    output logic [LANES*X_W-1:0] x_q,
    output logic [LANES*S_W-1:0] s_q,
    output logic [    ACC_W-1:0] psum_q,
    output logic [         15:0] ovf
);
  logic [ACC_W-1:0] mac_out, next;
  logic [15:0] mac_ovf;
  quasar_mac #(
      .A_W(X_W),
      .W_W(S_W),
      .LANES(LANES),
      .ACC_W(ACC_W),
      .SIGNED(SIGNED)
  ) mac (
      .saturate(saturate),
      .xnor_mode(xnor_mode),
      .a(x_in),
      .w(s_q),
      .acc_in(psum_in),
      .acc_out(mac_out),
      .ovf(mac_ovf)
  );
  always_comb begin
    next = mac_out;
    if (stuck) begin
      next = next | (ACC_W'(1) << stuck_bit);
    end
  end
  assign ovf = (shift || clear) ? 16'd0 : mac_ovf;
  always_ff @(posedge clk) begin
    if (clear) begin
      x_q <= '0;
      s_q <= '0;
      psum_q <= '0;
    end else if (shift) begin
      x_q <= '0;
      s_q <= s_in;
    end else begin
      x_q <= x_in;
      psum_q <= next;
    end
  end
endmodule
