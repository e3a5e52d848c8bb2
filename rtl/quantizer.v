// quantizer: signed fixed-point x / 2^shift to an OUT_W-bit word. Fully pipelined: one input
// per cycle, LATENCY = 2 cycles from an input sampled with in_valid to y, sat with out_valid.
// Bit-exact model: hwsim.numerics.quantize.quantize (its docstring defines every mode).
//
//   mode 0  round to nearest, ties to even; two's complement y, saturated (sat = 1 if clipped)
//   mode 1  stochastic: round up iff floor(frac * 2^IN_W) > rnd (frac = discarded fraction);
//           unbiased for shift <= IN_W when rnd is uniform; saturated like mode 0
//   mode 2  LNS word of lns_add (W = OUT_W, F): sign-magnitude, e = nearest integer to
//   (and 3) 2^F * log2(|x| / 2^shift); x = 0 gives zero (sat = 0); e > EMAX saturates and
//           e <= EMIN flushes to zero, both with sat = 1
//
//   stage 1  linear: z = (x * 2^FB) >>> shift gives q = floor(x / 2^shift) and the FB discarded
//            bits; decide the rounding increment. LNS: |x|, its leading-one position p and the
//            mantissa m = |x| << (IN_W-1-p) (leading one at bit IN_W-1).
//   stage 2  linear: q + up, clamp. LNS: k = number of thresholds m reaches, 0..2^F;
//            e = 2^F * (p - shift) + k; clamp.
//
// The thresholds ceil(2^(IN_W-1) * 2^((2j-1)/2^(F+1))), j = 1..2^F, are the geometric
// midpoints between neighbouring e; they derive from lns_log_thresholds.vh (generated from
// hwsim/numerics/lns.py by `python -m hwsim.numerics.verilog_tables rtl`) with the same integer
// expression as hwsim.numerics.lns.log_thresholds.
// rst_n (active low, synchronous) clears the valid pipeline; data registers are not reset.
// Parameters: 2 <= OUT_W <= IN_W <= 32, 0 <= F <= 6.

module quantizer #(
    parameter integer IN_W  = 16,
    parameter integer OUT_W = 8,
    parameter integer F     = 3
) (
    input  wire             clk,
    input  wire             rst_n,
    input  wire             in_valid,
    input  wire [ IN_W-1:0] x,
    input  wire [      4:0] shift,
    input  wire [      1:0] mode,
    input  wire [ IN_W-1:0] rnd,
    output reg              out_valid,
    output reg  [OUT_W-1:0] y,
    output reg              sat
);
  localparam integer LATENCY = 2;

`include "lns_log_thresholds.vh"

  localparam integer FB = (IN_W > 31) ? IN_W : 31;  // discarded bits kept: all of them
  localparam integer P = IN_W - 1;  // mantissa fraction bits
  localparam integer PW = $clog2(IN_W);  // width of p
  localparam integer NT = 1 << F;  // thresholds
  localparam integer CW = (OUT_W > F + 7) ? OUT_W : F + 7;  // exponent width, see stage 2

  generate
    if (OUT_W < 2 || OUT_W > IN_W || IN_W > 32 || F < 0 || F > 6) begin : g_unsupported_parameters
      quantizer_parameters_out_of_range u_error ();  // no such module: elaboration stops here
    end
  endgenerate

  // Threshold j (1-based) at bits (j-1)*(IN_W+1) +: IN_W+1; it may be 2^IN_W (IN_W+1 bits).
  // ceil(C_j / 2^(63-P)) with C_j = ceil(2^63 t_j) equals ceil(2^P t_j) exactly.
  function [(IN_W+1)*NT-1:0] build_thresholds(input integer f);
    integer j;
    reg [63:0] c;
    // t = ceil(2^P t_j) <= 2^(P+1) = 2^IN_W: bits above IN_W are always zero
    /* verilator lint_off UNUSEDSIGNAL */
    reg [63:0] t;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
      for (j = 1; j <= NT; j = j + 1) begin
        c = lns_thr_q63(f, j);
        t = (c >> (63 - P)) + {63'd0, (c << (P + 1)) != 64'd0};
        build_thresholds[(j-1)*(IN_W+1)+:IN_W+1] = t[IN_W:0];
      end
    end
  endfunction
  localparam [(IN_W+1)*NT-1:0] THRESHOLDS = build_thresholds(F);

  // ---- stage 1: linear path ----------------------------------------------------------------
  wire signed [IN_W+FB-1:0] xf = {x, {FB{1'b0}}};
  wire signed [IN_W+FB-1:0] z = xf >>> shift;  // exact: x * 2^(FB - shift)
  wire [FB-1:0] frac = z[FB-1:0];  // discarded fraction, scaled by 2^FB
  wire up_rne = frac[FB-1] & ((|frac[FB-2:0]) | z[FB]);  // > 1/2, or = 1/2 and q odd
  wire up_sr = frac[FB-1-:IN_W] > rnd;  // floor(frac * 2^IN_W) > rnd

  // ---- stage 1: LNS path -------------------------------------------------------------------
  wire [IN_W-1:0] mag = x[IN_W-1] ? (~x + {{(IN_W - 1) {1'b0}}, 1'b1}) : x;  // 2^(IN_W-1) fits
  reg [PW-1:0] p;
  integer i;
  always @* begin
    p = {PW{1'b0}};
    for (i = 0; i < IN_W; i = i + 1) if (mag[i]) p = i[PW-1:0];
  end
  localparam [PW-1:0] P_W = P[PW-1:0];
  wire [IN_W-1:0] m = mag << (P_W - p);

  reg r_lns, r_up, r_neg, r_nz;
  reg signed [IN_W-1:0] r_q;
  reg [IN_W-1:0] r_m;
  reg [PW-1:0] r_p;
  reg [4:0] r_shift;
  always @(posedge clk) begin
    r_lns   <= mode[1];
    r_q     <= z[IN_W+FB-1:FB];
    r_up    <= mode[0] ? up_sr : up_rne;
    r_neg   <= x[IN_W-1];
    r_nz    <= |x;
    r_m     <= m;
    r_p     <= p;
    r_shift <= shift;
  end

  // ---- stage 2: linear path ----------------------------------------------------------------
  localparam signed [IN_W:0] Y_ONE = 1;
  localparam signed [IN_W:0] YMAX = (Y_ONE <<< (OUT_W - 1)) - Y_ONE;
  localparam signed [IN_W:0] YMIN = -(Y_ONE <<< (OUT_W - 1));
  wire signed [IN_W:0] v = {r_q[IN_W-1], r_q} + {{IN_W{1'b0}}, r_up};  // no overflow
  wire lin_hi = v > YMAX;
  wire lin_lo = v < YMIN;
  wire [OUT_W-1:0] y_lin = lin_hi ? YMAX[OUT_W-1:0] : lin_lo ? YMIN[OUT_W-1:0] : v[OUT_W-1:0];

  // ---- stage 2: LNS path -------------------------------------------------------------------
  // e = 2^F (p - shift) + k lies in [-31 * 2^F, IN_W * 2^F] within +/-2^(F+5): F+7 bits
  // suffice; CW also covers EMAX = 2^(OUT_W-2) - 1 and EMIN = -2^(OUT_W-2).
  reg [F:0] k;
  integer j;
  always @* begin
    k = {(F + 1) {1'b0}};
    for (j = 0; j < NT; j = j + 1)
      k = k + {{F{1'b0}}, ({1'b0, r_m} >= THRESHOLDS[j*(IN_W+1)+:IN_W+1])};
  end
  wire signed [CW-1:0] pe = $signed({{(CW - PW) {1'b0}}, r_p}) - $signed({{(CW - 5) {1'b0}}, r_shift});
  wire signed [CW-1:0] e = (pe <<< F) + $signed({{(CW - F - 1) {1'b0}}, k});
  localparam signed [CW-1:0] E_ONE = 1;
  localparam signed [CW-1:0] EMAX = (E_ONE <<< (OUT_W - 2)) - E_ONE;
  localparam signed [CW-1:0] EMIN = -(E_ONE <<< (OUT_W - 2));
  localparam [OUT_W-1:0] ZERO = {1'b0, EMIN[OUT_W-2:0]};
  wire lns_hi = e > EMAX;
  wire lns_lo = e <= EMIN;

  always @(posedge clk) begin
    if (r_lns) begin
      if (!r_nz) begin
        y <= ZERO;
        sat <= 1'b0;
      end else begin
        y <= lns_lo ? ZERO : {r_neg, lns_hi ? EMAX[OUT_W-2:0] : e[OUT_W-2:0]};
        sat <= lns_hi | lns_lo;
      end
    end else begin
      y <= y_lin;
      sat <= lin_hi | lin_lo;
    end
  end

  // valid pipeline, LATENCY stages; out_valid is its last stage
  reg [LATENCY-2:0] valid_pipe;
  always @(posedge clk) begin
    if (!rst_n) {out_valid, valid_pipe} <= {LATENCY{1'b0}};
    else {out_valid, valid_pipe} <= {valid_pipe, in_valid};
  end
endmodule
