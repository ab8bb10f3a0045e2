"""Uncertainty: sampling rule distributions, Monte Carlo, sensitivity."""
