"""Evaluation pipeline for "De Cirkel is Rond": registration exports → clean data → indicators → report."""

__version__ = "0.1.0"
