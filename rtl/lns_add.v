// lns_add: y = a + b for two LNS words. Fully pipelined: one input per cycle, LATENCY = 2
// cycles from an input sampled with in_valid to y with out_valid.
//
// Word (W bits): bit W-1 sign s (1 = negative); bits W-2..0 exponent e, two's complement;
// value (-1)^s * 2^(e / 2^F); e = EMIN = -2^(W-2) encodes zero (zeros are produced as s = 0).
// Bit-exact model: hwsim.numerics.lns.lns_add (its docstring derives the rounding).
//
//   stage 1  order the operands by e; d = e_big - e_small; flags: a zero operand passes the
//            other one through, two zeros or exact cancellation (d = 0, signs differ) give zero
//   stage 2  T = phi+[d] (signs agree) or phi-[d] (signs differ), 0 for d >= N;
//            e = e_big + T; e > EMAX saturates to EMAX, e <= EMIN underflows to zero
//
// T(d) = round(2^F * log2(1 +/- 2^(-d/2^F))) is the nearest integer to the exact log of the
// sum, so y is the correctly rounded sum (error <= 1/2 unit of e) unless it saturates or
// underflows. The tables come from lns_phi.vh, generated from hwsim/numerics/lns.py by
// `python -m hwsim.numerics.verilog_tables rtl` (F = 0..6).
// rst_n (active low, synchronous) clears the valid pipeline; data registers are not reset.
// Parameters: 3 <= W <= 31, 0 <= F <= 6.

module lns_add #(
    parameter integer W = 8,
    parameter integer F = 3
) (
    input  wire         clk,
    input  wire         rst_n,
    input  wire         in_valid,
    input  wire [W-1:0] a,
    input  wire [W-1:0] b,
    output reg          out_valid,
    output reg  [W-1:0] y
);
  localparam integer LATENCY = 2;

`include "lns_phi.vh"

  localparam integer EW = W - 1;  // exponent bits
  localparam integer TW = W + 1;  // table entry and sum width
  localparam signed [EW-1:0] E_ONE = 1;
  localparam signed [EW-1:0] EMIN = -(E_ONE <<< (EW - 1));
  localparam signed [EW-1:0] EMAX = (E_ONE <<< (EW - 1)) - E_ONE;
  localparam signed [TW-1:0] EMIN_T = $signed({2'b11, EMIN});  // EMIN, EMAX in TW bits
  localparam signed [TW-1:0] EMAX_T = $signed({2'b00, EMAX});
  localparam [W-1:0] ZERO = {1'b0, EMIN};
  // Table entries reachable by d < 2^EW; index width IW.
  localparam integer N = lns_phi_len(F);
  localparam integer R = (N == 0) ? 1 : (N < (1 << EW)) ? N : (1 << EW);  // N = 0: bad F
  localparam [EW:0] R_BOUND = R[EW:0];
  localparam integer IW = (R > 2) ? $clog2(R) : 1;

  generate
    if (W < 3 || W > 31 || F < 0 || F > 6) begin : g_unsupported_parameters
      lns_add_parameters_out_of_range u_error ();  // no such module: elaboration stops here
    end
  endgenerate

  // The table as a constant, TW bits per entry. Entries are clamped to [-2^(W-1), 2^(W-1)];
  // that changes no result: e_big is in [EMIN+1, EMAX] = [-2^(W-2)+1, 2^(W-2)-1], so any
  // T <= -2^(W-1) already underflows and any T >= 2^(W-1) already saturates.
  function [TW*R-1:0] build_rom(input integer neg);
    integer i, v;
    begin
      for (i = 0; i < R; i = i + 1) begin
        v = lns_phi(F, neg, i);
        if (v < -(1 << (W - 1))) v = -(1 << (W - 1));
        if (v > (1 << (W - 1))) v = 1 << (W - 1);
        build_rom[i*TW+:TW] = v[TW-1:0];
      end
    end
  endfunction
  localparam [TW*R-1:0] ROM_PLUS = build_rom(0);
  localparam [TW*R-1:0] ROM_MINUS = build_rom(1);

  // ---- stage 1 ---------------------------------------------------------------------------
  wire signed [EW-1:0] ea = a[EW-1:0];
  wire signed [EW-1:0] eb = b[EW-1:0];
  wire za = (ea == EMIN);
  wire zb = (eb == EMIN);
  wire a_big = (ea >= eb);  // a zero operand never wins unless both are zero
  wire [EW-1:0] d = a_big ? (a[EW-1:0] - b[EW-1:0]) : (b[EW-1:0] - a[EW-1:0]);
  wire sub = a[W-1] ^ b[W-1];
  wire near = ({1'b0, d} < R_BOUND);  // d >= R reads 0 from both tables

  reg r_s, r_sub, r_pass, r_zero, r_near;
  reg signed [EW-1:0] r_e;
  reg [IW-1:0] r_idx;

  always @(posedge clk) begin
    r_s    <= a_big ? a[W-1] : b[W-1];
    r_e    <= a_big ? ea : eb;
    r_sub  <= sub;
    r_pass <= za | zb;
    r_zero <= (za & zb) | (sub & (d == {EW{1'b0}}) & ~za & ~zb);
    r_near <= near;
    r_idx  <= near ? d[IW-1:0] : {IW{1'b0}};
  end

  // ---- stage 2 ---------------------------------------------------------------------------
  // the tables as ROMs (Yosys maps a memory with constant contents far faster than an
  // indexed part-select of a wide constant)
  reg [TW-1:0] rom_plus[0:R-1];
  reg [TW-1:0] rom_minus[0:R-1];
  integer k;
  initial begin
    for (k = 0; k < R; k = k + 1) begin
      rom_plus[k]  = ROM_PLUS[k*TW+:TW];
      rom_minus[k] = ROM_MINUS[k*TW+:TW];
    end
  end
  wire signed [TW-1:0] t_plus = rom_plus[r_idx];
  wire signed [TW-1:0] t_minus = rom_minus[r_idx];
  wire signed [TW-1:0] t = (r_pass | ~r_near) ? {TW{1'b0}} : (r_sub ? t_minus : t_plus);
  // |e| <= 3*2^(W-2) < 2^W: no overflow in TW = W+1 bits
  wire signed [TW-1:0] e = {{2{r_e[EW-1]}}, r_e} + t;

  always @(posedge clk) begin
    if (r_zero || e <= EMIN_T) y <= ZERO;
    else if (e > EMAX_T) y <= {r_s, EMAX};
    else y <= {r_s, e[EW-1:0]};
  end

  // valid pipeline, LATENCY stages; out_valid is its last stage
  reg [LATENCY-2:0] valid_pipe;
  always @(posedge clk) begin
    if (!rst_n) {out_valid, valid_pipe} <= {LATENCY{1'b0}};
    else {out_valid, valid_pipe} <= {valid_pipe, in_valid};
  end
endmodule
