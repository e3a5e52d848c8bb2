// mx_quantizer: one block of K bfloat16 values to an OCP MX block (OCP Microscaling Formats
// v1.0, Section 6.3): a shared E8M0 scale X = 2^(floor(log2(max|x_i|)) - EMAX) and K elements
// x_i / X in an EB/MB floating-point format, rounded to nearest even and saturated to the
// largest normal. Fully pipelined: one block per cycle, LATENCY = 2 cycles from an input
// sampled with in_valid to scale, q with out_valid.
// Bit-exact model: hwsim.numerics.mx.quantize_blocks (its docstring states every rule).
//
//   stage 1  largest exponent field fmax over the block and whether any field is all ones
//            (NaN or infinity); scale code = 0xFF (NaN) if so, else max(fmax - EMAX, 0).
//            A bf16 field f is floor(log2|x|) + 127 for normal x, and every subnormal or zero
//            block maximum gives shared exponent <= -127 - EMAX, clamped to code 0 (2^-127).
//   stage 2  per element: significand sig = {f != 0, mantissa} (8 bits), weight of its LSB
//            t = max(f, 1) - 7 - scale (relative to X), leading-one position p, element
//            exponent e = max(t + p, EMIN); n = sig * 2^(t - e + MB) (the significand
//            normalised, then shifted right by e - (t + p) into the subnormal range) rounded
//            to nearest even; magnitude code (e - EMIN) * 2^MB + n (a carry moves to the next
//            binade), clamped to the largest finite code; the sign is kept (-0 stays -0).
//            A NaN scale gives all-zero element codes.
//
// Element formats (EW = 1 + EB + MB bits, bias 2^(EB-1) - 1, subnormals, as
// hwsim.numerics.block_formats.ElementFormat): EW < 8 has no inf/NaN (MX FP6/FP4, E2M1's
// largest value 6); EB=4, MB=3 is OCP E4M3 (largest 448); other 8-bit layouts are IEEE-like
// (E5M2: largest 57344). EMAX = exponent of the largest normal (E2M1 2, E4M3 8, E5M2 15).
// bfloat16 in: the E8M0 scale needs only the block's largest exponent, and bf16 carries
// float32's full 8-bit exponent (scales 2^-127 .. 2^(127 - EMAX) arise) at half the width.
// Element i of x is x[16*i +: 16], of q is q[EW*i +: EW].
// rst_n (active low, synchronous) clears the valid pipeline; data registers are not reset.
// Parameters: 1 <= K <= 64, 2 <= EB <= 5, 1 <= MB <= 5, EB + MB <= 7.

module mx_quantizer #(
    parameter integer K  = 32,
    parameter integer EB = 2,
    parameter integer MB = 1
) (
    input  wire                     clk,
    input  wire                     rst_n,
    input  wire                     in_valid,
    input  wire [       16*K-1:0]   x,
    output reg                      out_valid,
    output reg  [            7:0]   scale,
    output reg  [(1+EB+MB)*K-1:0]   q
);
  localparam integer LATENCY = 2;

  localparam integer EW = 1 + EB + MB;
  localparam integer BIAS = (1 << (EB - 1)) - 1;
  localparam integer MAXMAG = (EW < 8) ? (1 << (EB + MB)) - 1 :  // no inf/NaN codes
      (EB == 4 && MB == 3) ? (1 << (EB + MB)) - 2 :  // E4M3: S.1111.111 is NaN
      (((1 << EB) - 1) << MB) - 1;  // IEEE-like: all-ones exponent field is inf/NaN
  localparam integer EMAX = (MAXMAG >> MB) - BIAS;
  localparam integer EMIN = 1 - BIAS;  // exponent of the smallest normal element

  generate
    if (K < 1 || K > 64 || EB < 2 || EB > 5 || MB < 1 || MB > 5 || EB + MB > 7)
    begin : g_unsupported_parameters
      mx_quantizer_parameters_out_of_range u_error ();  // no such module: elaboration stops
    end
  endgenerate

  // ---- stage 1: shared scale ---------------------------------------------------------------
  reg [7:0] fmax;
  reg special;
  integer i;
  always @* begin
    fmax = 8'd0;
    special = 1'b0;
    for (i = 0; i < K; i = i + 1) begin
      if (x[16*i+7+:8] > fmax) fmax = x[16*i+7+:8];
      if (&x[16*i+7+:8]) special = 1'b1;
    end
  end
  localparam [7:0] EMAX8 = EMAX[7:0];
  wire [7:0] scale_next = special ? 8'hFF : (fmax > EMAX8) ? fmax - EMAX8 : 8'd0;

  reg [16*K-1:0] r_x;
  reg [7:0] r_scale;
  reg r_nan;
  always @(posedge clk) begin
    r_x     <= x;
    r_scale <= scale_next;
    r_nan   <= special;
  end

  // ---- stage 2: elements -------------------------------------------------------------------
  // Per element, with p the leading-one position of the significand (|x_g| = sig *
  // 2^(max(f, 1) - 134), X = 2^(scale - 127)): u = floor(log2(|x_g| / X)) - EMIN
  // = max(f, 1) + p - CB, CB = scale + 7 + EMIN formed once per block; u lies in [-261, 268]
  // and fits 10-bit two's complement.
  localparam integer CB_OFF = 7 + EMIN;
  localparam signed [9:0] CB_OFFSET = CB_OFF[9:0];
  localparam [9:0] MAXMAG10 = MAXMAG[9:0];
  wire signed [9:0] cb = $signed({2'd0, r_scale}) + CB_OFFSET;
  wire [EW*K-1:0] q_next;
  genvar g;
  generate
    for (g = 0; g < K; g = g + 1) begin : g_elem
      wire s = r_x[16*g+15];
      wire [7:0] f = r_x[16*g+7+:8];
      wire [7:0] sig = {|f, r_x[16*g+:7]};
      reg [2:0] p;
      integer b;
      always @* begin
        p = 3'd0;
        for (b = 0; b < 8; b = b + 1) if (sig[b]) p = b[2:0];
      end
      wire [7:0] m = sig << (3'd7 - p);  // normalised: leading one at bit 7 (if sig != 0)
      wire signed [9:0] u = $signed({2'd0, (|f) ? f : 8'd1}) + $signed({7'd0, p}) - cb;
      // element exponent e = max(u, 0) + EMIN; below EMIN shift right by -u (subnormals)
      wire [9:0] eo = u[9] ? 10'd0 : u;
      wire [9:0] rs = u[9] ? -u : 10'd0;
      wire [15:0] y = {m, 8'd0} >> ((rs > 10'd9) ? 4'd9 : rs[3:0]);
      wire [MB:0] n = y[15-:MB+1];  // |x_g| / 2^(e - MB), truncated
      wire up = y[14-MB] & ((|y[13-MB:0]) | n[0]);  // > 1/2, or = 1/2 and n odd
      wire [9:0] mag = (eo << MB) + {{(9 - MB) {1'b0}}, n} + {9'd0, up};
      wire [EB+MB-1:0] mag_sat = (mag > MAXMAG10) ? MAXMAG10[EB+MB-1:0] : mag[EB+MB-1:0];
      assign q_next[EW*g+:EW] = r_nan ? {EW{1'b0}} : {s, (|sig) ? mag_sat : {(EB + MB) {1'b0}}};
    end
  endgenerate

  always @(posedge clk) begin
    scale <= r_scale;
    q     <= q_next;
  end

  // valid pipeline, LATENCY stages; out_valid is its last stage
  reg [LATENCY-2:0] valid_pipe;
  always @(posedge clk) begin
    if (!rst_n) {out_valid, valid_pipe} <= {LATENCY{1'b0}};
    else {out_valid, valid_pipe} <= {valid_pipe, in_valid};
  end
endmodule
