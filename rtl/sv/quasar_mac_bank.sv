// quasar_mac_bank: N independent quasar_mac units side by side (combinational), for the
// exhaustive MAC checks and for running a C++ array shell on RTL arithmetic (`--rtl mac`).
// Unit i takes a[i], w[i], acc_in[i] and gives acc_out[i], ovf[i]. The p_* outputs hold the
// parameters, as in quasar_array.
module quasar_mac_bank #(
    parameter int N = 16,
    parameter int A_W = 9,
    parameter int W_W = 9,
    parameter int LANES = 1,
    parameter int ACC_W = 32,
    parameter int SIGNED = 1
) (
    input logic saturate,
    input logic xnor_mode,
    input logic [N*LANES*A_W-1:0] a,
    input logic [N*LANES*W_W-1:0] w,
    input logic [N*ACC_W-1:0] acc_in,
    output logic [N*ACC_W-1:0] acc_out,
    output logic [N*16-1:0] ovf,
    output logic [31:0] p_n,
    output logic [31:0] p_a_w,
    output logic [31:0] p_w_w,
    output logic [31:0] p_lanes,
    output logic [31:0] p_acc_w,
    output logic [31:0] p_signed
);
  assign p_n = N;
  assign p_a_w = A_W;
  assign p_w_w = W_W;
  assign p_lanes = LANES;
  assign p_acc_w = ACC_W;
  assign p_signed = SIGNED;
  for (genvar i = 0; i < N; i++) begin : g_unit
    quasar_mac #(
        .A_W(A_W),
        .W_W(W_W),
        .LANES(LANES),
        .ACC_W(ACC_W),
        .SIGNED(SIGNED)
    ) mac (
        .saturate(saturate),
        .xnor_mode(xnor_mode),
        .a(a[i*LANES*A_W+:LANES*A_W]),
        .w(w[i*LANES*W_W+:LANES*W_W]),
        .acc_in(acc_in[i*ACC_W+:ACC_W]),
        .acc_out(acc_out[i*ACC_W+:ACC_W]),
        .ovf(ovf[i*16+:16])
    );
  end
endmodule
