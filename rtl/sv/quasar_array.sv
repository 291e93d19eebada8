// quasar_array: a ROWS x COLS systolic array of quasar_mac PEs for one dataflow, with the
// edges of sim/cycle/include/quasar/sim/cycle/array_if.h: one clock cycle per ArrayIf::Cycle,
// every output registered, so what the sequencer reads after a rising edge is what the C++
// array returns from that cycle.
//   DATAFLOW 0 (os): quasar_pe_os; west = activation lanes, north = weight lanes,
//                    north_psum = initial values entering the accumulator chain on shift,
//                    south = the accumulators leaving the bottom row on shift (else 0).
//   DATAFLOW 1 (ws), 2 (is): quasar_pe_stationary; north = the stationary operands (shift),
//                    west = the moving operands, north_psum = the partial sums entering the
//                    top row, south = the partial sums leaving the bottom row (0 after shift).
//                    ws moves activations and holds weights; is the other way round.
// The p_* outputs are constant identification registers holding the parameters, so software
// can check that a model was built for the architecture it is given.
module quasar_array #(
    parameter int ROWS = 4,
    parameter int COLS = 4,
    parameter int DATAFLOW = 1,  // 0 os, 1 ws, 2 is
    parameter int A_W = 9,  // activation lane bits (as the MAC sees them)
    parameter int W_W = 9,  // weight lane bits
    parameter int LANES = 1,  // products per PE per cycle
    parameter int ACC_W = 32,
    parameter int SIGNED = 1,
    // The lane widths of the edges: is moves weights and holds inputs.
    localparam int WEST_W = (DATAFLOW == 2) ? W_W : A_W,
    localparam int NORTH_W = (DATAFLOW == 2) ? A_W : W_W
) (
    input logic clk,
    input logic clear,  // synchronous: every register to 0
    input logic shift,  // this cycle is a shift phase (else compute)
    input logic saturate,  // accumulator overflow mode (1 saturate, 0 wrap)
    input logic xnor_mode,  // binary lanes: XNOR-popcount
    input logic stuck,  // fault injection: bit stuck_bit of PE stuck_pe's partial sum stuck at 1
    input logic [15:0] stuck_pe,  // row * COLS + col
    input logic [5:0] stuck_bit,
    input logic [ROWS*LANES*WEST_W-1:0] west,
    input logic [COLS*LANES*NORTH_W-1:0] north,
    input logic [COLS*ACC_W-1:0] north_psum,
    output logic [COLS*ACC_W-1:0] south,
    output logic [ROWS*COLS*ACC_W-1:0] psum,  // every PE's partial sum register, row-major
    output logic [31:0] ovf_count,  // additions that overflowed in the last cycle
    output logic [31:0] p_rows,
    output logic [31:0] p_cols,
    output logic [31:0] p_dataflow,
    output logic [31:0] p_a_w,
    output logic [31:0] p_w_w,
    output logic [31:0] p_lanes,
    output logic [31:0] p_acc_w,
    output logic [31:0] p_signed
);
  localparam int WL = LANES * WEST_W;  // one PE's west operand vector
  localparam int NL = LANES * NORTH_W;

  assign p_rows = ROWS;
  assign p_cols = COLS;
  assign p_dataflow = DATAFLOW;
  assign p_a_w = A_W;
  assign p_w_w = W_W;
  assign p_lanes = LANES;
  assign p_acc_w = ACC_W;
  assign p_signed = SIGNED;

  logic [WL-1:0] xq[ROWS][COLS];  // moving operand registers (os: A)
  logic [NL-1:0] nq[ROWS][COLS];  // os: B, ws/is: the stationary operands
  logic [ACC_W-1:0] pq[ROWS][COLS];
  logic [15:0] ovf[ROWS][COLS];

  for (genvar r = 0; r < ROWS; r++) begin : g_row
    for (genvar c = 0; c < COLS; c++) begin : g_col
      logic [WL-1:0] x_in;
      logic [NL-1:0] n_in;
      logic [ACC_W-1:0] p_in;
      logic pe_stuck;
      if (c == 0) begin : g_west
        assign x_in = west[r*WL+:WL];
      end else begin : g_inner
        assign x_in = xq[r][c-1];
      end
      if (r == 0) begin : g_north
        assign n_in = north[c*NL+:NL];
        assign p_in = north_psum[c*ACC_W+:ACC_W];
      end else begin : g_below
        assign n_in = nq[r-1][c];
        assign p_in = pq[r-1][c];
      end
      assign pe_stuck = stuck && (stuck_pe == 16'(r * COLS + c));
      if (DATAFLOW == 0) begin : g_os
        quasar_pe_os #(
            .A_W(WEST_W),
            .W_W(NORTH_W),
            .LANES(LANES),
            .ACC_W(ACC_W),
            .SIGNED(SIGNED)
        ) pe (
            .clk(clk),
            .clear(clear),
            .shift(shift),
            .saturate(saturate),
            .xnor_mode(xnor_mode),
            .stuck(pe_stuck),
            .stuck_bit(stuck_bit),
            .a_in(x_in),
            .b_in(n_in),
            .psum_in(p_in),
            .a_q(xq[r][c]),
            .b_q(nq[r][c]),
            .acc_q(pq[r][c]),
            .ovf(ovf[r][c])
        );
      end else begin : g_stationary
        quasar_pe_stationary #(
            .X_W(WEST_W),
            .S_W(NORTH_W),
            .LANES(LANES),
            .ACC_W(ACC_W),
            .SIGNED(SIGNED)
        ) pe (
            .clk(clk),
            .clear(clear),
            .shift(shift),
            .saturate(saturate),
            .xnor_mode(xnor_mode),
            .stuck(pe_stuck),
            .stuck_bit(stuck_bit),
            .x_in(x_in),
            .s_in(n_in),
            .psum_in(p_in),
            .x_q(xq[r][c]),
            .s_q(nq[r][c]),
            .psum_q(pq[r][c]),
            .ovf(ovf[r][c])
        );
      end
      assign psum[(r*COLS+c)*ACC_W+:ACC_W] = pq[r][c];
    end
  end

  // What leaves the bottom row, registered: os hands out the accumulators it shifts out;
  // ws/is show the bottom row's partial sums after a compute cycle.
  logic [COLS*ACC_W-1:0] south_q;
  logic computed_q;
  logic [31:0] ovf_sum;
  always_comb begin
    ovf_sum = 32'd0;
    for (int r = 0; r < ROWS; r++) begin
      for (int c = 0; c < COLS; c++) begin
        ovf_sum = ovf_sum + {16'd0, ovf[r][c]};
      end
    end
  end
  always_ff @(posedge clk) begin
    if (clear) begin
      south_q <= '0;
      computed_q <= 1'b0;
      ovf_count <= 32'd0;
    end else begin
      for (int c = 0; c < COLS; c++) begin
        south_q[c*ACC_W+:ACC_W] <= (DATAFLOW == 0 && shift) ? pq[ROWS-1][c] : '0;
      end
      computed_q <= !shift;
      ovf_count <= ovf_sum;
    end
  end
  for (genvar c = 0; c < COLS; c++) begin : g_south
    assign south[c*ACC_W+:ACC_W] = (DATAFLOW != 0 && computed_q) ? pq[ROWS-1][c] :
                                   south_q[c*ACC_W+:ACC_W];
  end
endmodule
