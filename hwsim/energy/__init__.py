"""Energy of an arch: its per-access and per-operation table (`table`, from the per-unit models
of `hwsim.unit_energy`) and the pricing of a result's action counts (`price`)."""
