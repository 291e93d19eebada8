// quasar_pe_os: an output-stationary PE. It keeps one output's accumulator while activation
// lanes flow east and weight lanes flow south through it, one PE per cycle (SCALE-Sim's os
// dataflow; the register behaviour of sim/cycle/include/quasar/sim/cycle/array_if.h).
//   compute: a_q <= a_in, b_q <= b_in, acc_q <= acc_q + a_in . b_in (quasar_mac)
//   shift:   acc_q <= psum_in (the accumulator chain moves one row down: an initial value
//            enters at the top, finished outputs leave at the bottom); a_q, b_q cleared
// `stuck` forces bit `stuck_bit` of every value written to acc_q to 1 (fault injection for
// the verification tests; 0 in normal operation).
module quasar_pe_os #(
    parameter int A_W = 9,
    parameter int W_W = 9,
    parameter int LANES = 1,
    parameter int ACC_W = 32,
    parameter int SIGNED = 1
) (
    input  logic                 clk,
    input  logic                 clear,      // synchronous: every register to 0
    input  logic                 shift,
    input  logic                 saturate,
    input  logic                 xnor_mode,
    input  logic                 stuck,
    input  logic [          5:0] stuck_bit,
    input  logic [LANES*A_W-1:0] a_in,       // from the west neighbour (or the west edge)
    input  logic [LANES*W_W-1:0] b_in,       // from the north neighbour (or the north edge)
    input  logic [    ACC_W-1:0] psum_in,    // the accumulator above (shift)
    output logic [LANES*A_W-1:0] a_q,
    output logic [LANES*W_W-1:0] b_q,
    output logic [    ACC_W-1:0] acc_q,
    output logic [         15:0] ovf         // overflowed additions of this cycle
);
  logic [ACC_W-1:0] mac_out, next;
  logic [15:0] mac_ovf;
  quasar_mac #(
      .A_W(A_W),
      .W_W(W_W),
      .LANES(LANES),
      .ACC_W(ACC_W),
      .SIGNED(SIGNED)
  ) mac (
      .saturate(saturate),
      .xnor_mode(xnor_mode),
      .a(a_in),
      .w(b_in),
      .acc_in(acc_q),
      .acc_out(mac_out),
      .ovf(mac_ovf)
  );
  always_comb begin
    next = shift ? psum_in : mac_out;
    if (stuck) begin
      next = next | (ACC_W'(1) << stuck_bit);
    end
  end
  assign ovf = (shift || clear) ? 16'd0 : mac_ovf;
  always_ff @(posedge clk) begin
    if (clear) begin
      a_q <= '0;
      b_q <= '0;
      acc_q <= '0;
    end else begin
      a_q <= shift ? '0 : a_in;
      b_q <= shift ? '0 : b_in;
      acc_q <= next;
    end
  end
endmodule
