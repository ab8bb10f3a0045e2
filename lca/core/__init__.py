"""The pure core: units, the rules engine, typed provenance and the errors a person can act on."""
