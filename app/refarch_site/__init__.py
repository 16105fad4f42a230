"""The reference architecture's sample application: a small Django site."""
