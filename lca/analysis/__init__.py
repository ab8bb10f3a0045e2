"""Analyses over assessments: Monte Carlo, sensitivity, allocation and scenario comparisons, sweeps, the validation against published figures."""
