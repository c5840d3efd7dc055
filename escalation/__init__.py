"""Deadlines: the working-day calendar, the SLA policy, and the sweeps that enforce them."""
